/// What reading a client's TLS ClientHello found, on listeners with `sni` routes; one label
/// value per case in `splicer_inspections_total`.
public enum InspectOutcome: Int, CaseIterable, Sendable, CustomStringConvertible {
  /// A server_name was found and routed on.
  case serverName
  /// A well-formed ClientHello without server_name.
  case noServerName
  /// The first bytes were not a TLS handshake record.
  case notTLS
  /// A TLS record that does not parse as a ClientHello.
  case malformed
  /// The ClientHello did not fit in `inspect.max_size`.
  case tooLarge
  /// The client half-closed in the middle of its ClientHello.
  case truncated
  /// No complete ClientHello within `inspect.timeout`.
  case timeout

  public var description: String {
    switch self {
    case .serverName: "server_name"
    case .noServerName: "no_server_name"
    case .notTLS: "not_tls"
    case .malformed: "malformed"
    case .tooLarge: "too_large"
    case .truncated: "truncated"
    case .timeout: "timeout"
    }
  }
}
