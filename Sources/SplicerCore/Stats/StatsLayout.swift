/// Which counter row belongs to which listener and server, across reloads.
///
/// Append-only: a name keeps its row for the life of the process, so a session that started
/// under an old config still counts into the right row after a reload, and Prometheus sees
/// counters that never go backwards. Capacity is fixed at start (the workers' tables cannot
/// grow while they are written); a reload that needs more rows is refused.
public struct StatsLayout: Sendable {
  public private(set) var listeners: [String] = []
  public private(set) var servers: [(pool: String, server: String)] = []
  public let listenerCapacity: Int
  public let serverCapacity: Int

  public init(listenerCapacity: Int, serverCapacity: Int) {
    self.listenerCapacity = listenerCapacity
    self.serverCapacity = serverCapacity
  }

  /// Room for the first config and for reloads that add several times as many again.
  public static func sized(forListeners listeners: Int, servers: Int) -> StatsLayout {
    StatsLayout(listenerCapacity: max(64, listeners * 4), serverCapacity: max(1024, servers * 4))
  }

  /// The row of `name`, added if new; nil when the table is full.
  public mutating func listenerRow(_ name: String) -> Int? {
    if let index = listeners.firstIndex(of: name) { return index }
    guard listeners.count < listenerCapacity else { return nil }
    listeners.append(name)
    return listeners.count - 1
  }

  /// The row of `server` in `pool`, added if new; nil when the table is full.
  public mutating func serverRow(pool: String, server: String) -> Int? {
    if let index = servers.firstIndex(where: { $0.pool == pool && $0.server == server }) { return index }
    guard servers.count < serverCapacity else { return nil }
    servers.append((pool, server))
    return servers.count - 1
  }
}
