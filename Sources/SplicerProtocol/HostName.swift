/// The rules a server name from a ClientHello must meet before routing compares it with the
/// configured names: ASCII letters, digits and hyphens in dot-separated labels of 1–63 bytes,
/// 253 bytes in all (RFC 1035 2.3.4, RFC 6066 3).
///
/// Hyphens are not checked for position and labels may be all digits: routing only ever compares
/// the name with configured ones, so a laxer check cannot route anywhere unintended.
enum HostName {
  static let maximumLength = 253
  static let maximumLabelLength = 63

  /// `byte` with ASCII A–Z folded to a–z.
  static func lowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
  }

  /// Whether `name`, already lowercased and without a trailing dot, is a valid host name. O(n).
  static func isValid(_ name: some Collection<UInt8>) -> Bool {
    guard (1...maximumLength).contains(name.count) else { return false }
    var labelLength = 0
    for byte in name {
      switch byte {
      case UInt8(ascii: "."):
        guard labelLength > 0 else { return false }
        labelLength = 0
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
        labelLength += 1
        guard labelLength <= maximumLabelLength else { return false }
      default:
        return false
      }
    }
    return labelLength > 0
  }
}
