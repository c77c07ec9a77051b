/// Which PROXY protocol header a pool sends to its servers (`send_proxy:` in the config).
public enum ProxyProtocolVersion: String, Sendable, Equatable, CaseIterable {
  /// The human-readable text header.
  case v1
  /// The binary header.
  case v2
}
