/// Whether one server can take a new connection right now, as the relay sees it at pick time.
///
/// The relay owns health, draining and connection counts; it answers this for each server index
/// when a `PoolBalancer` asks, so the balancer itself stays pure.
public enum ServerEligibility: Sendable, Hashable {
  /// Up and below its connection limit, with this many connections open.
  case available(activeConnections: Int)
  /// Up, but at its `max_connections`: a new connection would have to wait for a free slot.
  case full
  /// Down (health checks) or draining: takes no new connections at all.
  case unavailable

  /// Up, whether or not it has room: full servers make a pool wait rather than fail over.
  public var isUp: Bool {
    switch self {
    case .available, .full: true
    case .unavailable: false
    }
  }
}
