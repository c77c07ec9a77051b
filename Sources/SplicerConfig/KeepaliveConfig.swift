/// TCP keepalive probes on one side of the relay: a listener's `client_keepalive` or a
/// pool's `server_keepalive`.
///
/// After `idle` without any segment from the peer the kernel sends a probe, then one every
/// `interval`; after `count` probes unanswered it fails the socket with ETIMEDOUT, and the
/// session closes with that side's keepalive reason. The kernel takes whole seconds, so the
/// loader accepts only those.
public struct KeepaliveConfig: Sendable, Equatable {
  /// TCP_KEEPIDLE and TCP_KEEPINTVL accept 1 to 32767 seconds.
  public static let secondsRange = 1...32_767
  /// TCP_KEEPCNT accepts 1 to 127 probes.
  public static let countRange = 1...127

  /// Quiet time before the first probe (TCP_KEEPIDLE).
  public var idle: Duration
  /// Time between unanswered probes (TCP_KEEPINTVL).
  public var interval: Duration
  /// Unanswered probes before the peer counts as gone (TCP_KEEPCNT).
  public var count: Int

  public init(idle: Duration = .seconds(60), interval: Duration = .seconds(10), count: Int = 6) {
    self.idle = idle
    self.interval = interval
    self.count = count
  }

  /// How long a dead peer takes to be found, at most: idle + interval × count.
  public var detectionTime: Duration {
    idle + interval * count
  }
}
