/// What `Socket.tcpInfo` reads of a TCP socket's `struct tcp_info`: the kernel's own
/// estimate of the path, for the access log and the RTT histogram.
public struct TCPInfo: Sendable, Equatable {
  /// Smoothed round-trip time (tcpi_rtt), microseconds.
  public var rttMicroseconds: UInt32
  /// Its mean deviation (tcpi_rttvar), microseconds.
  public var rttVarianceMicroseconds: UInt32
  /// Segments retransmitted over the connection's life (tcpi_total_retrans).
  public var retransmits: UInt32
  /// The latest delivery-rate sample (tcpi_delivery_rate), bytes per second; 0: none.
  public var deliveryRate: UInt64

  public init(rttMicroseconds: UInt32, rttVarianceMicroseconds: UInt32, retransmits: UInt32, deliveryRate: UInt64) {
    self.rttMicroseconds = rttMicroseconds
    self.rttVarianceMicroseconds = rttVarianceMicroseconds
    self.retransmits = retransmits
    self.deliveryRate = deliveryRate
  }
}
