/// TCP keepalive settings as the kernel takes them (whole seconds and a probe count), for
/// `Socket.enableKeepalive` and `Socket.startConnect`.
public struct KeepaliveProbes: Sendable, Equatable {
  /// Quiet seconds before the first probe (TCP_KEEPIDLE).
  public var idleSeconds: Int32
  /// Seconds between unanswered probes (TCP_KEEPINTVL).
  public var intervalSeconds: Int32
  /// Unanswered probes before the socket fails with ETIMEDOUT (TCP_KEEPCNT).
  public var count: Int32

  public init(idleSeconds: Int32, intervalSeconds: Int32, count: Int32) {
    self.idleSeconds = idleSeconds
    self.intervalSeconds = intervalSeconds
    self.count = count
  }
}
