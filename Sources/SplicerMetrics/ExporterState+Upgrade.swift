import Prometheus
import SplicerCore

/// The latency histograms across a live upgrade (design §12): rendered with the old process's
/// counts added, and read out for the next process.
extension ExporterState {
  /// The latency registry's exposition, with what the process before carried over.
  func latencyExposition(_ registry: PrometheusCollectorRegistry) -> [UInt8] {
    carriedHistograms.adding(to: registry.emitToBuffer())
  }

  /// Every series that counted anything, as a scrape shows it now (the carried counts in).
  func histogramSnapshots(_ registry: PrometheusCollectorRegistry) -> [HistogramSnapshot] {
    CarriedHistograms.snapshots(of: latencyExposition(registry))
  }
}
