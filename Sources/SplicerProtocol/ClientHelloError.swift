/// Why a ClientHello was judged malformed.
///
/// The raw value is a stable snake_case label for metrics and logs; `description` is the phrase
/// a log line shows.
public enum ClientHelloError: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// A record length of 0 or above 2^14, which RFC 8446 forbids for handshake records.
  case recordLength = "bad_record_length"
  /// A record that is not a TLS 1.x handshake record before the ClientHello is complete.
  case unexpectedRecord = "unexpected_record"
  /// The first handshake message is not a ClientHello.
  case notClientHello = "not_client_hello"
  /// A length field that runs past the block that holds it.
  case lengthMismatch = "length_mismatch"
  /// A legacy_version whose major byte is not 3.
  case legacyVersion = "bad_legacy_version"
  /// A session id longer than 32 bytes.
  case sessionID = "bad_session_id"
  /// An empty or odd-length cipher suite list.
  case cipherSuites = "bad_cipher_suites"
  /// An empty compression method list.
  case compressionMethods = "bad_compression_methods"
  /// An extensions block whose length is not what is left of the ClientHello.
  case extensionsLength = "bad_extensions_length"
  /// A server_name extension whose list is empty or does not fill it.
  case serverNameList = "bad_server_name_list"
  /// Two server_name extensions, or two host_name entries in one.
  case duplicateServerName = "duplicate_server_name"
  /// A host_name that is not an ASCII letter-digit-hyphen name of at most 253 bytes.
  case invalidServerName = "invalid_server_name"

  public var description: String {
    switch self {
    case .recordLength: "bad TLS record length"
    case .unexpectedRecord: "unexpected TLS record inside the ClientHello"
    case .notClientHello: "first handshake message is not a ClientHello"
    case .lengthMismatch: "ClientHello length field overruns its block"
    case .legacyVersion: "bad ClientHello version"
    case .sessionID: "ClientHello session id too long"
    case .cipherSuites: "bad ClientHello cipher suite list"
    case .compressionMethods: "empty ClientHello compression method list"
    case .extensionsLength: "ClientHello extensions length does not match"
    case .serverNameList: "bad server_name extension"
    case .duplicateServerName: "more than one server name"
    case .invalidServerName: "invalid server name"
    }
  }
}
