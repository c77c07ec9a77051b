import Prometheus
import SplicerCore

/// The traffic mirrors' counters (`mirror:` on a listener).
extension ExporterState {
  /// Series for each listener that mirrors or has mirrored: a listener without `mirror` adds
  /// none, so configs without mirrors keep the page they had.
  mutating func updateMirrors(_ listeners: [ProxySnapshot.ListenerRow], registry: PrometheusCollectorRegistry) {
    for row in listeners {
      let mirrored = row.mirrors.values.contains { $0 > 0 }
      guard row.mirrorConfigured || mirrored else { continue }
      let labels = [("listener", row.name)]
      counter(
        "splicer_mirror_bytes_total", "Client-to-server bytes spliced to shadow servers (mirror).", labels,
        total: Double(row.counters[.mirrorBytes]!), registry: registry)
      for result in MirrorResult.allCases {
        counter(
          "splicer_mirror_connections_total",
          "Mirror connections to shadow servers, by result: completed, or why the copy was dropped.",
          labels + [("result", result.description)], total: Double(row.mirrors[result]!), registry: registry)
      }
    }
  }
}
