import SplicerConfig

/// One listener's access rules and routes, bound to a routing table's pools.
///
/// Immutable; built with the `RoutingTable` and swapped with it on reload. Pure: the caller
/// passes the client's address bytes and the server name from the ClientHello (if read).
public final class ListenerRoutes: Sendable {
  /// The listener's config: its `allow`/`deny` lists and its routes, in order.
  public let listener: ListenerConfig
  /// The pool of each route, in the order of `listener.routes`.
  public let routePools: [BackendPool]
  /// Where connections no route matched go; nil closes them.
  public let defaultPool: BackendPool?
  /// Whether any route matches on the server name, so the ClientHello must be read.
  public let needsServerName: Bool

  public init(listener: ListenerConfig, routePools: [BackendPool], defaultPool: BackendPool?) {
    precondition(routePools.count == listener.routes.count, "one pool per route")
    self.listener = listener
    self.routePools = routePools
    self.defaultPool = defaultPool
    needsServerName = listener.needsClientHello
  }

  /// Whether a client from `source` (4 or 16 address bytes) may connect: `deny` wins over
  /// `allow`, and an empty `allow` admits everyone not denied.
  public func admits(_ source: [UInt8]) -> Bool {
    listener.admits(IPAddressWords(source))
  }

  /// The pool of the first route that matches, else the default pool.
  ///
  /// - Parameter serverName: lowercased; nil when the client sent none (or it was not read).
  public func pool(serverName: String?, source: [UInt8]) -> BackendPool? {
    let address = IPAddressWords(source)
    for (route, pool) in zip(listener.routes, routePools)
    where route.matches(serverName: serverName, clientAddress: address) {
      return pool
    }
    return defaultPool
  }
}
