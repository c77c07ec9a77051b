import CSplicer
import Glibc

/// TCP keepalive and TCP_INFO: the per-connection TCP state the relay sets and reads.
extension Socket {
  /// Turns keepalive on with `probes`; false when a call failed (e.g. not a TCP socket).
  ///
  /// On a listening socket this is done once: Linux copies the options into every socket
  /// it accepts, so accepted sockets need no call of their own.
  @discardableResult
  public static func enableKeepalive(_ fd: Int32, _ probes: KeepaliveProbes) -> Bool {
    // The timings first: once SO_KEEPALIVE is on, the kernel arms the timer with them.
    setInt(fd, splicer_IPPROTO_TCP, splicer_TCP_KEEPIDLE, probes.idleSeconds)
      && setInt(fd, splicer_IPPROTO_TCP, splicer_TCP_KEEPINTVL, probes.intervalSeconds)
      && setInt(fd, splicer_IPPROTO_TCP, splicer_TCP_KEEPCNT, probes.count)
      && setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
  }

  /// Turns keepalive off (a reload that removed it from a listener kept open).
  public static func disableKeepalive(_ fd: Int32) {
    setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 0)
  }

  /// The socket's round-trip estimate, retransmits and delivery rate; nil when the call
  /// failed (not a TCP socket).
  public static func tcpInfo(_ fd: Int32) -> TCPInfo? {
    var info = splicer_tcp_info()
    guard splicer_read_tcp_info(fd, &info) == 0 else { return nil }
    return TCPInfo(
      rttMicroseconds: info.rtt_us, rttVarianceMicroseconds: info.rttvar_us, retransmits: info.total_retrans,
      deliveryRate: info.delivery_rate)
  }

  @discardableResult
  private static func setInt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
    var value = value
    return setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
  }
}
