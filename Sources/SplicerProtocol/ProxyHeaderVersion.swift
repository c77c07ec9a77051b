/// Which of the two PROXY protocol formats a header used: v1 is the text line
/// (`PROXY TCP4 … \r\n`), v2 the binary header with the 12-byte signature.
///
/// Named apart from the configuration's own `ProxyProtocolVersion` (which says what a listener
/// accepts or a pool sends) so that both modules can be imported together.
public enum ProxyHeaderVersion: String, Sendable, Hashable {
  case v1
  case v2
}
