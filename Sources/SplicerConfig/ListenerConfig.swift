/// One listening address and how its connections are admitted and routed.
///
/// Admission runs in this order: `max_connections`, then (with `accept_proxy`) the PROXY header,
/// then `deny` and `allow` on the client address, then routing: the first of `routes` that
/// matches, else the default `pool`, else the connection is closed.
public struct ListenerConfig: Sendable, Equatable {
  public static let maxConnectionsRange = 1...1_000_000

  public var name: String
  public var bind: Endpoint
  /// The default route: the pool for connections no route matches; nil: those are closed.
  /// The loader guarantees that `pool` or `routes` is set.
  public var pool: String?
  public var mode: RelayMode
  /// listen(2) backlog.
  public var backlog: Int
  /// Tried in order; the first match wins.
  public var routes: [RouteConfig]
  /// Clients allowed in; empty: every client (that `deny` does not refuse).
  public var allow: [CIDR]
  /// Clients refused; checked first, so a client in both lists is refused.
  public var deny: [CIDR]
  /// Open connections this listener may hold, across all workers; nil: no limit.
  public var maxConnections: Int?
  /// Whether connections begin with a PROXY protocol header; nil: they do not.
  public var acceptProxy: AcceptProxyConfig?
  /// How the ClientHello is read for `sni` routes.
  public var inspect: InspectConfig
  /// TCP keepalive on the listening socket, which accepted sockets inherit; nil: off.
  public var clientKeepalive: KeepaliveConfig?
  /// The age at which a relayed connection is cut (reset both ways); nil: no limit.
  public var maxLifetime: Duration?
  /// Bandwidth limits, applied by the kernel's TCP pacing; none by default.
  public var rateLimit = RateLimitConfig()
  /// A copy of the client-to-server bytes for a shadow pool; nil: no mirror.
  public var mirror: MirrorConfig?

  public init(
    name: String, bind: Endpoint, pool: String?, mode: RelayMode = .splice, backlog: Int = 1024,
    routes: [RouteConfig] = [], allow: [CIDR] = [], deny: [CIDR] = [], maxConnections: Int? = nil,
    acceptProxy: AcceptProxyConfig? = nil, inspect: InspectConfig = InspectConfig()
  ) {
    self.name = name
    self.bind = bind
    self.pool = pool
    self.mode = mode
    self.backlog = backlog
    self.routes = routes
    self.allow = allow
    self.deny = deny
    self.maxConnections = maxConnections
    self.acceptProxy = acceptProxy
    self.inspect = inspect
  }

  /// Whether some route matches on the server name, so the ClientHello must be read first.
  public var needsClientHello: Bool {
    routes.contains { $0.needsServerName }
  }

  /// Every pool this listener can send a connection to, routes first, without repeats.
  public var poolNames: [String] {
    var names: [String] = []
    for name in routes.map(\.pool) + (pool.map { [$0] } ?? []) where !names.contains(name) {
      names.append(name)
    }
    return names
  }

  /// Whether `allow` and `deny` let a client with this address (4 or 16 bytes) in.
  public func admits(clientAddress: some Collection<UInt8>) -> Bool {
    admits(IPAddressWords(clientAddress))
  }

  /// `admits(clientAddress:)` for an address already read into words.
  public func admits(_ address: IPAddressWords) -> Bool {
    if deny.contains(where: { $0.contains(address) }) { return false }
    return allow.isEmpty || allow.contains { $0.contains(address) }
  }
}
