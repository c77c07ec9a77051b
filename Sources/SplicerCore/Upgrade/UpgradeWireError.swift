/// Why a received upgrade message does not decode. Input from the peer is untrusted: every
/// malformed datagram ends up here, as a typed error, and the upgrade fails with
/// `UpgradeRefusal.recordInvalid`, never the process.
public enum UpgradeWireError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The bytes end before `field` does.
  case truncated(field: String)
  /// Bytes are left after the message's last field.
  case trailingBytes(count: Int)
  /// The first four bytes are not "SPLU".
  case badMagic
  /// A wire version outside what this binary speaks or older than the message type, or not 0
  /// in `Hello`/`Refuse`.
  case unsupportedVersion(UInt16, type: UpgradeMessageType)
  case unknownMessageType(UInt16)
  /// The header's reserved field is not 0.
  case reservedNotZero
  /// The header announces another payload length than the datagram holds.
  case payloadLengthMismatch(announced: UInt32, actual: Int)
  /// The header announces another number of descriptors than arrived.
  case descriptorCountMismatch(announced: UInt16, received: Int)
  /// Descriptors arrived with a message that carries none.
  case unexpectedDescriptors(type: UpgradeMessageType, count: Int)
  /// A tag (phase, carrier, address family, refusal, side, ...) this version does not define.
  case unknownTag(field: String, value: UInt64)
  /// A length or count above what its field allows.
  case outOfRange(field: String, value: UInt64, limit: UInt64)
  /// A descriptor reference past the descriptors received with the message.
  case descriptorOutOfRange(index: UInt16, count: Int)
  /// A string that is not UTF-8.
  case invalidText(field: String)
  /// Fields that contradict each other (a pipe carrier with nothing pending, say).
  case inconsistent(String)

  public var description: String {
    switch self {
    case .truncated(let field): "message ends inside \(field)"
    case .trailingBytes(let count): "\(count) bytes after the last field"
    case .badMagic: "not an upgrade message (bad magic)"
    case .unsupportedVersion(let version, let type): "wire version \(version) in \(type)"
    case .unknownMessageType(let type): "unknown message type \(type)"
    case .reservedNotZero: "reserved header field is not 0"
    case .payloadLengthMismatch(let announced, let actual):
      "header announces \(announced) payload bytes, datagram holds \(actual)"
    case .descriptorCountMismatch(let announced, let received):
      "header announces \(announced) descriptors, \(received) arrived"
    case .unexpectedDescriptors(let type, let count): "\(count) descriptors beside \(type)"
    case .unknownTag(let field, let value): "unknown \(field) \(value)"
    case .outOfRange(let field, let value, let limit): "\(field) \(value) above \(limit)"
    case .descriptorOutOfRange(let index, let count): "descriptor \(index) of \(count)"
    case .invalidText(let field): "\(field) is not UTF-8"
    case .inconsistent(let what): what
    }
  }
}
