/// A pool's `discover` section: where its servers come from when they are not listed.
///
/// The pool's servers are the targets of the SRV records of `srv`, queried again every
/// `interval` (sooner when the records' TTL is shorter). Owned by `PoolConfig`; the queries are
/// `ServiceDiscovery`'s job, not the config's.
public struct DiscoveryConfig: Sendable, Hashable {
  public static let minimumInterval = Duration.seconds(1)

  /// The SRV name, lowercased, without a trailing dot: `_service._proto.domain`.
  public var srv: String
  /// The nameserver to ask (IPv4 and port); nil: the system's, from /etc/resolv.conf.
  public var nameserver: Endpoint?
  /// The longest time between two queries.
  public var interval: Duration

  public init(srv: String, nameserver: Endpoint? = nil, interval: Duration = .seconds(30)) {
    self.srv = srv
    self.nameserver = nameserver
    self.interval = interval
  }
}
