import SplicerMetrics
import SplicerResolution

extension ServiceDiscovery {
  /// `splicer_discovery_failures_total{pool,reason}` for the admin endpoint.
  func series() -> [ExtraSeries] {
    failureCounts().map { failure in
      ExtraSeries(
        name: "splicer_discovery_failures_total",
        help: "SRV queries of discover pools that failed or were empty, by pool and reason; the last good set stays.",
        labels: [("pool", failure.pool), ("reason", failure.reason.rawValue)], kind: .counter,
        value: Double(failure.count))
    }
  }
}
