import Prometheus
import SplicerConfig

/// The configured bandwidth limits, as gauges: what the kernel is asked to pace at, not a
/// measurement.
extension ExporterState {
  static let rateLimitGauge = "splicer_listener_rate_limit_bytes_per_second"

  /// One series per listener and limited direction (`download`, `upload`, `listener_total`),
  /// present once a limit has been configured; a reload that removes the limit sets it to 0
  /// rather than leave the old value standing.
  mutating func updateRateLimits(_ listeners: [ProxySnapshot.ListenerRow], registry: PrometheusCollectorRegistry) {
    let help = "Configured bandwidth limit in bytes per second, by direction (0: removed by a reload)."
    for row in listeners {
      let limits = [
        ("download", row.rateLimit.download), ("upload", row.rateLimit.upload),
        ("listener_total", row.rateLimit.listenerTotal),
      ]
      for (direction, limit) in limits {
        let labels = [("listener", row.name), ("direction", direction)]
        if let limit {
          gauge(Self.rateLimitGauge, help, labels, value: Double(limit), registry: registry)
        } else if hasGauge(Self.rateLimitGauge, labels) {
          gauge(Self.rateLimitGauge, help, labels, value: 0, registry: registry)
        }
      }
    }
  }
}
