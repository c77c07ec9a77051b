/// What `ClientHelloParser.parse` decided about the bytes a TLS client has sent so far.
public enum ClientHelloParseResult: Sendable, Equatable {
  /// A valid prefix of a ClientHello; peek again once more bytes have arrived.
  case needMore
  /// A whole, well-formed ClientHello naming this host (lowercased, without a trailing dot).
  case serverName(String)
  /// A whole, well-formed ClientHello without a server_name extension or host_name in it.
  case noServerName
  /// The first bytes are not a TLS handshake record (plain text, SSLv2, anything else).
  case notTLS
  /// A TLS handshake record whose ClientHello breaks the format.
  case malformed(ClientHelloError)
  /// The ClientHello does not fit in the `maximumSize` bytes the caller is willing to peek.
  case tooLarge
}
