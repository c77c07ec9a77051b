import SplicerConfig

/// The immutable routing snapshot the workers read: which pool serves each listener.
///
/// Built once from a validated `Configuration`; a reload builds a new one and swaps it in,
/// so a worker never sees a half-updated table.
public final class RoutingTable: Sendable {
  public let pools: [String: BackendPool]
  /// Every server of every pool, indexed by `Backend.id`, with its pool's name.
  public let servers: [(pool: String, backend: Backend)]
  private let poolByListener: [String: BackendPool]

  /// - Parameter serverIDs: per pool, the `Backend.id` (counter row) of each server; by
  ///   default servers are numbered in config order across pools.
  public init(configuration: Configuration, serverIDs: [String: [Int]] = [:]) {
    var pools: [String: BackendPool] = [:]
    var servers: [(pool: String, backend: Backend)] = []
    for config in configuration.pools {
      let ids = serverIDs[config.name] ?? Array(servers.count..<(servers.count + config.servers.count))
      let pool = BackendPool(config: config, ids: ids)
      pools[pool.name] = pool
      servers += pool.servers.map { (pool.name, $0) }
    }
    self.servers = servers
    var byListener: [String: BackendPool] = [:]
    for listener in configuration.listeners {
      // The config loader guarantees every listener names a declared pool.
      byListener[listener.name] = pools[listener.pool]
    }
    self.pools = pools
    self.poolByListener = byListener
  }

  /// The pool for connections accepted on `listener`.
  public func pool(forListener listener: String) -> BackendPool? {
    poolByListener[listener]
  }
}
