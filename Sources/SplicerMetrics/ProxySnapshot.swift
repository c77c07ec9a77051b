import SplicerCore

/// The proxy's counters summed over its workers at one moment, with the names behind each
/// listener and server row. Shared by /metrics and /status.
struct ProxySnapshot {
  struct ListenerRow {
    let name: String
    let address: String
    let mode: String
    let pool: String
    let counters: [WorkerStats.Listener: UInt64]
    let closes: [CloseReason: UInt64]

    var active: UInt64 {
      let accepted = counters[.accepted, default: 0]
      let closed = counters[.closed, default: 0]
      return accepted > closed ? accepted - closed : 0
    }
  }

  struct ServerRow {
    let pool: String
    let server: String
    let counters: [WorkerStats.Server: UInt64]
    let failures: [ConnectFailureReason: UInt64]

    var active: UInt64 {
      let connected = counters[.connected, default: 0]
      let closed = counters[.closed, default: 0]
      return connected > closed ? connected - closed : 0
    }
  }

  let workers: Int
  let draining: Bool
  let listeners: [ListenerRow]
  let servers: [ServerRow]
  let global: [WorkerStats.Global: UInt64]
  let fallbacks: [SpliceFallbackReason: UInt64]

  init(_ proxy: ProxyServer) {
    let stats = proxy.stats
    func sum(_ read: (WorkerStats) -> UInt64) -> UInt64 {
      stats.reduce(0) { $0 &+ read($1) }
    }
    workers = stats.count
    draining = proxy.isDraining
    listeners = proxy.configuration.listeners.enumerated().map { index, config in
      ListenerRow(
        name: config.name,
        address: proxy.boundListeners.first { $0.name == config.name }?.address.description ?? "\(config.bind)",
        mode: config.mode.rawValue,
        pool: config.pool,
        counters: Dictionary(
          uniqueKeysWithValues: WorkerStats.Listener.allCases.map { slot in
            (slot, sum { $0.value(listener: index, slot) })
          }),
        closes: Dictionary(
          uniqueKeysWithValues: CloseReason.allCases.map { reason in
            (reason, sum { $0.closes(listener: index, reason) })
          }))
    }
    servers = proxy.routing.servers.enumerated().map { id, entry in
      ServerRow(
        pool: entry.pool,
        server: entry.backend.endpoint.description,
        counters: Dictionary(
          uniqueKeysWithValues: WorkerStats.Server.allCases.map { slot in
            (slot, sum { $0.value(server: id, slot) })
          }),
        failures: Dictionary(
          uniqueKeysWithValues: ConnectFailureReason.allCases.map { reason in
            (reason, sum { $0.connectFailures(server: id, reason) })
          }))
    }
    global = Dictionary(
      uniqueKeysWithValues: WorkerStats.Global.allCases.map { slot in (slot, sum { $0.value(slot) }) })
    fallbacks = Dictionary(
      uniqueKeysWithValues: SpliceFallbackReason.allCases.map { reason in (reason, sum { $0.fallbacks(reason) }) })
  }

  /// Pipes leased and not yet returned, over all workers.
  var pipesInUse: UInt64 {
    let leased = global[.pipesLeased, default: 0]
    let returned = global[.pipesReturned, default: 0]
    return leased > returned ? leased - returned : 0
  }
}
