import SplicerConfig
import SplicerCore
import SplicerHealth

/// The proxy's counters summed over its workers at one moment, with the names behind each
/// listener and server row. Shared by /metrics and /status.
struct ProxySnapshot {
  struct ListenerRow {
    let name: String
    let address: String
    let mode: String
    let pool: String
    /// False for a listener a reload removed (its counters remain).
    let configured: Bool
    let counters: [WorkerStats.Listener: UInt64]
    let closes: [CloseReason: UInt64]
    let inspections: [InspectOutcome: UInt64]
    /// The listener's `rate_limit` in the current config; none for a removed listener.
    var rateLimit = RateLimitConfig()
    /// Mirror connections by result, and whether the current config mirrors this listener.
    var mirrors: [MirrorResult: UInt64] = [:]
    var mirrorConfigured = false

    var active: UInt64 {
      let accepted = counters[.accepted, default: 0]
      let closed = counters[.closed, default: 0]
      return accepted > closed ? accepted - closed : 0
    }
  }

  struct ServerRow {
    let pool: String
    let server: String
    /// False for a server a reload removed (its counters remain).
    let configured: Bool
    let counters: [WorkerStats.Server: UInt64]
    let failures: [ConnectFailureReason: UInt64]
    /// Up by the health board (active and passive checks).
    let up: Bool
    /// Configured `drain: true`.
    let draining: Bool
    let health: [HealthBoard.Counter: UInt64]

    /// `up`, `down` or `draining`, as /status shows it.
    var state: String { draining ? "draining" : (up ? "up" : "down") }

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

  /// Every listener and server that has had a counter row since start (a reload never
  /// removes rows, so counters stay monotonic); `address`, `mode` and `pool` describe the
  /// current config, and are empty for a listener a reload removed.
  init(_ proxy: ProxyServer) {
    let stats = proxy.stats
    let state = proxy.state
    func sum(_ read: (WorkerStats) -> UInt64) -> UInt64 {
      stats.reduce(0) { $0 &+ read($1) }
    }
    workers = stats.count
    draining = proxy.isDraining
    var listeners: [ListenerRow] = []
    for (row, name) in state.layout.listeners.enumerated() {
      let config = state.configuration.listeners.first { $0.name == name }
      let address = state.boundListeners.first { $0.name == name }?.address.description ?? ""
      var counters: [WorkerStats.Listener: UInt64] = [:]
      for slot in WorkerStats.Listener.allCases { counters[slot] = sum { $0.value(listener: row, slot) } }
      var closes: [CloseReason: UInt64] = [:]
      for reason in CloseReason.allCases { closes[reason] = sum { $0.closes(listener: row, reason) } }
      var inspections: [InspectOutcome: UInt64] = [:]
      for outcome in InspectOutcome.allCases { inspections[outcome] = sum { $0.inspections(listener: row, outcome) } }
      var listener = ListenerRow(
        name: name, address: address, mode: config?.mode.rawValue ?? "", pool: config?.pool ?? "",
        configured: config != nil, counters: counters, closes: closes, inspections: inspections)
      listener.rateLimit = config?.rateLimit ?? RateLimitConfig()
      for result in MirrorResult.allCases { listener.mirrors[result] = sum { $0.mirrors(listener: row, result) } }
      listener.mirrorConfigured = config?.mirror != nil
      listeners.append(listener)
    }
    self.listeners = listeners
    var servers: [ServerRow] = []
    let configured = Set(state.routing.servers.map(\.backend.id))
    let draining = Set(state.routing.servers.filter(\.backend.draining).map(\.backend.id))
    let board = proxy.health
    for (row, entry) in state.layout.servers.enumerated() {
      var counters: [WorkerStats.Server: UInt64] = [:]
      for slot in WorkerStats.Server.allCases { counters[slot] = sum { $0.value(server: row, slot) } }
      var failures: [ConnectFailureReason: UInt64] = [:]
      for reason in ConnectFailureReason.allCases { failures[reason] = sum { $0.connectFailures(server: row, reason) } }
      var health: [HealthBoard.Counter: UInt64] = [:]
      for counter in HealthBoard.Counter.allCases { health[counter] = board.value(row, counter) }
      servers.append(
        ServerRow(
          pool: entry.pool, server: entry.server, configured: configured.contains(row), counters: counters,
          failures: failures, up: board.isUp(row), draining: draining.contains(row), health: health))
    }
    self.servers = servers
    var global: [WorkerStats.Global: UInt64] = [:]
    for slot in WorkerStats.Global.allCases {
      switch slot.acrossWorkers {
      case .sum:
        global[slot] = sum { $0.value(slot) }
      case .smallestSet:
        // Each worker holds its own latest value; adding them would multiply it by the
        // number of workers. The smallest shows a worker whose pipes shrank (pipe quota).
        global[slot] = stats.map { $0.value(slot) }.filter { $0 > 0 }.min() ?? 0
      }
    }
    self.global = global
    var fallbacks: [SpliceFallbackReason: UInt64] = [:]
    for reason in SpliceFallbackReason.allCases { fallbacks[reason] = sum { $0.fallbacks(reason) } }
    self.fallbacks = fallbacks
  }

  /// Pipes leased and not yet returned, over all workers.
  var pipesInUse: UInt64 {
    let leased = global[.pipesLeased, default: 0]
    let returned = global[.pipesReturned, default: 0]
    return leased > returned ? leased - returned : 0
  }
}
