import CoreMetrics

/// The per-connection latency histograms, recorded through swift-metrics.
///
/// One observation per connection event (a connect, a close: its duration and its server's
/// round-trip time), never per splice call, so the
/// metrics backend's own locking stays off the byte path. Without a bootstrapped metrics
/// backend these are swift-metrics' no-op handlers.
public struct LatencyRecorders: Sendable {
  /// Label of the connect-latency histogram, dimensions `pool` and `server`.
  public static let connectLabel = "splicer_connect_duration_seconds"
  /// Label of the connection-lifetime histogram, dimension `listener`.
  public static let durationLabel = "splicer_connection_duration_seconds"
  /// Label of the server round-trip histogram (TCP_INFO's smoothed RTT of each relayed
  /// connection's server socket at its close), dimensions `pool` and `server`.
  public static let serverRTTLabel = "splicer_server_rtt_seconds"

  /// Indexed by `Backend.id` (the server's `StatsLayout` row).
  let connect: [CoreMetrics.Timer]
  /// Indexed by the listener's `StatsLayout` row.
  let duration: [CoreMetrics.Timer]
  /// Indexed by `Backend.id`, like `connect`.
  let serverRTT: [CoreMetrics.Timer]

  /// One timer per row of `layout`; swift-metrics hands back the same histogram for the same
  /// label and dimensions, so rebuilding after a reload keeps the old counts.
  public init(layout: StatsLayout) {
    self.init(listeners: layout.listeners, servers: layout.servers)
  }

  public init(listeners: [String], servers: [(pool: String, server: String)]) {
    connect = servers.map {
      CoreMetrics.Timer(
        label: Self.connectLabel, dimensions: [("pool", $0.pool), ("server", $0.server)], preferredDisplayUnit: .seconds
      )
    }
    serverRTT = servers.map {
      CoreMetrics.Timer(
        label: Self.serverRTTLabel, dimensions: [("pool", $0.pool), ("server", $0.server)],
        preferredDisplayUnit: .seconds)
    }
    duration = listeners.map {
      CoreMetrics.Timer(label: Self.durationLabel, dimensions: [("listener", $0)], preferredDisplayUnit: .seconds)
    }
  }
}
