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

  public init(configuration: Configuration) {
    var pools: [String: BackendPool] = [:]
    var servers: [(pool: String, backend: Backend)] = []
    for config in configuration.pools {
      let pool = BackendPool(config: config, firstID: servers.count)
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
