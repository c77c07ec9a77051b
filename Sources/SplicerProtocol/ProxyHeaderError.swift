/// Why a PROXY protocol header was rejected.
///
/// The raw value is a stable snake_case label for metrics and structured logs; `description` is
/// the phrase a log line shows. Both stay fixed once released, since dashboards key on them.
public enum ProxyHeaderError: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// The first bytes match neither the v1 nor the v2 signature.
  case notProxyHeader = "not_proxy"
  /// No CRLF within the 107 bytes a v1 line may take.
  case v1TooLong = "v1_too_long"
  /// The word after `PROXY ` is not `TCP4`, `TCP6` or `UNKNOWN`.
  case v1BadProtocol = "v1_bad_protocol"
  /// A missing or doubled space, a bare LF, a CR without LF, or a stray character.
  case v1BadSyntax = "v1_bad_syntax"
  /// An address that inet_pton rejects for any family.
  case v1BadAddress = "v1_bad_address"
  /// An address of the other family than the protocol word says (`TCP4 ::1 …`).
  case v1FamilyMismatch = "v1_family_mismatch"
  /// A port that is not a decimal 0–65535 without sign or leading zero.
  case v1BadPort = "v1_bad_port"
  /// The version nibble of a v2 header is not 2.
  case v2BadVersion = "v2_bad_version"
  /// A v2 command other than LOCAL (0) or PROXY (1).
  case v2UnsupportedCommand = "v2_bad_command"
  /// A v2 family/transport byte outside the combinations the spec defines.
  case v2UnsupportedFamily = "v2_bad_family"
  /// A v2 PROXY header for a datagram (UDP or unix dgram) connection.
  case v2Datagram = "v2_datagram"
  /// A v2 length field larger than `ProxyHeaderParser.maximumV2PayloadLength`.
  case v2TooLong = "v2_too_long"
  /// A v2 length field shorter than the address block of its family.
  case v2AddressBlockTooShort = "v2_short_addresses"
  /// v2 TLVs that do not exactly fill the bytes after the address block.
  case v2BadTLV = "v2_bad_tlv"

  public var description: String {
    switch self {
    case .notProxyHeader: "not a PROXY header"
    case .v1TooLong: "v1 header too long"
    case .v1BadProtocol: "v1 header with an unknown protocol"
    case .v1BadSyntax: "malformed v1 header"
    case .v1BadAddress: "bad v1 address"
    case .v1FamilyMismatch: "v1 address of the wrong family"
    case .v1BadPort: "bad v1 port"
    case .v2BadVersion: "v2 header with an unknown version"
    case .v2UnsupportedCommand: "v2 unsupported command"
    case .v2UnsupportedFamily: "v2 unsupported address family"
    case .v2Datagram: "v2 header for a datagram connection"
    case .v2TooLong: "v2 header too long"
    case .v2AddressBlockTooShort: "v2 address block too short"
    case .v2BadTLV: "v2 TLVs do not fill the header"
    }
  }
}
