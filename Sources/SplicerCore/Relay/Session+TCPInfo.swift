import SplicerSystem

/// TCP_INFO at close: the kernel's round-trip estimate and retransmits of both sockets, for
/// the access log and the per-server RTT histogram.
extension Session {
  /// Reads TCP_INFO while the sockets are still open: the client's only for the access log,
  /// the server's when the session relayed to a TCP server (a connect in flight has no
  /// estimate yet, a unix socket none at all), and records its RTT in
  /// `splicer_server_rtt_seconds`. So a connection costs two getsockopt calls with the access
  /// log and one without.
  func readTCPInfo(_ relay: Relay?) -> (client: TCPInfo?, server: TCPInfo?) {
    let client = worker.accessLog.isEnabled ? Socket.tcpInfo(self.client) : nil
    guard let relay, !relay.backend.address.isUnix, let server = Socket.tcpInfo(relay.server) else {
      return (client, nil)
    }
    worker.latency.serverRTT[relay.backend.id].recordNanoseconds(Int64(server.rttMicroseconds) &* 1000)
    return (client, server)
  }
}
