/// A named group of servers and how connections are spread over them, checked and queued.
public struct PoolConfig: Sendable, Equatable {
  public var name: String
  public var servers: [ServerConfig]
  /// How many further servers a connection may try after a refused or timed-out connect.
  public var retries: Int
  /// Active checks; nil: every server counts as up unless passive checks say otherwise.
  public var healthCheck: HealthCheckConfig?
  public var observe: ObserveConfig?
  public var whenAllDown: WhenAllDown
  /// How a server is picked for a new connection.
  public var balance: BalanceAlgorithm
  /// The PROXY protocol header sent to servers before any client byte; nil: none.
  public var sendProxy: ProxyProtocolVersion?
  /// Where connections wait while every eligible server is at its `maxConnections`.
  public var queue: QueueConfig
  /// How often host-name servers are resolved again; unused when no server has a host name.
  public var resolveInterval: Duration
  /// TCP keepalive on each connection to a server, set before the connect; nil: off.
  public var serverKeepalive: KeepaliveConfig?
  /// Servers from DNS SRV records instead of a `servers` list; nil: the listed servers.
  /// Loaded with no servers: `ServiceDiscovery` fills `servers` from the last good answer.
  public var discover: DiscoveryConfig?

  public init(
    name: String, servers: [ServerConfig], retries: Int, healthCheck: HealthCheckConfig? = nil,
    observe: ObserveConfig? = nil, whenAllDown: WhenAllDown = .close, balance: BalanceAlgorithm = .roundRobin,
    sendProxy: ProxyProtocolVersion? = nil, queue: QueueConfig = QueueConfig(),
    resolveInterval: Duration = .seconds(30)
  ) {
    self.name = name
    self.servers = servers
    self.retries = retries
    self.healthCheck = healthCheck
    self.observe = observe
    self.whenAllDown = whenAllDown
    self.balance = balance
    self.sendProxy = sendProxy
    self.queue = queue
    self.resolveInterval = resolveInterval
  }
}
