import SplicerConfig

/// The immutable routing snapshot the workers read: each listener's access rules and routes,
/// and the pools they lead to.
///
/// Built once from a validated `Configuration`; a reload builds a new one and swaps it in,
/// so a worker never sees a half-updated table.
public final class RoutingTable: Sendable {
  public let pools: [String: BackendPool]
  /// Every server of every pool, indexed by `Backend.id`, with its pool's name.
  public let servers: [(pool: String, backend: Backend)]
  private let routesByListener: [String: ListenerRoutes]

  /// - Parameter serverIDs: per pool, the `Backend.id` (counter row) of each server; by
  ///   default servers are numbered in config order across pools.
  /// - Parameter resolved: the shared lookups of host-name servers, keyed `host:port`.
  public init(
    configuration: Configuration, serverIDs: [String: [Int]] = [:], resolved: [String: ResolvedAddress] = [:]
  ) {
    var pools: [String: BackendPool] = [:]
    var servers: [(pool: String, backend: Backend)] = []
    for config in configuration.pools {
      let ids = serverIDs[config.name] ?? Array(servers.count..<(servers.count + config.servers.count))
      let pool = BackendPool(config: config, ids: ids, resolved: resolved)
      pools[pool.name] = pool
      servers += pool.servers.map { (pool.name, $0) }
    }
    self.servers = servers
    var byListener: [String: ListenerRoutes] = [:]
    for listener in configuration.listeners {
      // The config loader guarantees every route and default names a declared pool.
      byListener[listener.name] = ListenerRoutes(
        listener: listener, routePools: listener.routes.map { pools[$0.pool]! },
        defaultPool: listener.pool.map { pools[$0]! })
    }
    self.pools = pools
    self.routesByListener = byListener
  }

  /// The access rules and routes for connections accepted on `listener`.
  public func routes(forListener listener: String) -> ListenerRoutes? {
    routesByListener[listener]
  }

  /// Every host name the configuration's servers use, with the pool's `resolve_interval`.
  public static func hostNames(in configuration: Configuration) -> [(host: String, port: UInt16, interval: Duration)] {
    configuration.pools.flatMap { pool in
      pool.servers.compactMap { server in
        guard case .hostname(let host, let port) = server.address else { return nil }
        return (host, port, pool.resolveInterval)
      }
    }
  }
}
