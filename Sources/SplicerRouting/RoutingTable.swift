import SplicerConfig

/// The immutable routing snapshot the workers read: which pool serves each listener.
///
/// Built once from a validated `Configuration`; a reload builds a new one and swaps it in,
/// so a worker never sees a half-updated table.
public final class RoutingTable: Sendable {
  public let pools: [String: BackendPool]
  private let poolByListener: [String: BackendPool]

  public init(configuration: Configuration) {
    var pools: [String: BackendPool] = [:]
    for pool in configuration.pools {
      pools[pool.name] = BackendPool(config: pool)
    }
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
