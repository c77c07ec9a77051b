import SplicerSystem

/// What the access log says about one closed connection; built by the session as it closes.
struct AccessLogEntry {
  var client: SocketAddress
  /// The connecting peer, when a PROXY header named another client.
  var peer: SocketAddress?
  var listener: String
  var pool: String?
  var server: String?
  var bytesToServer: UInt64
  var bytesToClient: UInt64
  var connectNanoseconds: UInt64
  var durationNanoseconds: UInt64
  /// How long the connection waited in its pool's queue, if it joined one.
  var queuedNanoseconds: UInt64?
  var reason: CloseReason
  /// The TLS server name, when the listener inspects it.
  var serverName: String?
  /// TCP_INFO of the client's socket, read just before it closed.
  var clientTCP: TCPInfo? = nil
  /// TCP_INFO of the server's socket, when the session relayed to a TCP server.
  var serverTCP: TCPInfo? = nil
}
