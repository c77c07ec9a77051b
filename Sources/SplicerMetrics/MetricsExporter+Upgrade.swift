import SplicerCore

/// The latency histograms' side of a live upgrade (design §12): the old process reads its
/// series after the freeze, the new one takes them as a base before its admin endpoint serves.
extension MetricsExporter {
  /// Every latency series that counted anything, with what this process carried itself; for
  /// the donor to send (`ProxyUpgradeDonor`).
  public func histogramSnapshots() -> [HistogramSnapshot] {
    state.withLock { $0.histogramSnapshots(latencyRegistry) }
  }

  /// Makes every scrape from now on add `histograms` (the old process's) to the series of the
  /// same name and labels.
  public func carry(histograms: [HistogramSnapshot]) {
    let carried = CarriedHistograms(histograms)
    state.withLock { $0.carriedHistograms = carried }
  }
}
