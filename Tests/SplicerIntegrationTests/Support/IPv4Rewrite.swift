/// Address rewriting of raw IPv4 packets for `ImpairedLink`'s user-space NAT, with the
/// checksums patched incrementally (RFC 1624) instead of recomputed.
///
/// Only the addresses change, and they enter both the IP header checksum and the TCP/UDP
/// checksum (through the pseudo-header), so one delta fixes both. Works on the caller's bytes.
enum IPv4Rewrite {
  /// The four header bytes of a dotted-quad address.
  static func address(_ text: String) -> [UInt8] {
    text.split(separator: ".").map { UInt8($0)! }
  }

  /// The source and destination of `packet`, or nil when it is not a well-formed IPv4 packet.
  static func endpoints(_ packet: [UInt8]) -> (source: [UInt8], destination: [UInt8])? {
    guard packet.count >= 20, packet[0] >> 4 == 4, Int(packet[0] & 0x0F) * 4 <= packet.count else { return nil }
    return (Array(packet[12..<16]), Array(packet[16..<20]))
  }

  /// Replaces the addresses and patches the IP checksum and, for an unfragmented TCP or UDP
  /// packet, the transport checksum.
  static func rewrite(_ packet: inout [UInt8], source: [UInt8], destination: [UInt8]) {
    let headerLength = Int(packet[0] & 0x0F) * 4
    let old = Array(packet[12..<20])
    let new = source + destination
    for index in 0..<8 { packet[12 + index] = new[index] }
    patch(&packet, at: 10, old: old, new: new)
    // A later fragment has no transport header; the first one carries the checksum.
    let fragmentOffset = (Int(packet[6] & 0x1F) << 8) | Int(packet[7])
    guard fragmentOffset == 0 else { return }
    switch packet[9] {
    case 6 where packet.count >= headerLength + 18:
      patch(&packet, at: headerLength + 16, old: old, new: new)
    case 17 where packet.count >= headerLength + 8:
      // A UDP checksum of 0 means "none" and stays so.
      if packet[headerLength + 6] != 0 || packet[headerLength + 7] != 0 {
        patch(&packet, at: headerLength + 6, old: old, new: new)
      }
    default:
      break
    }
  }

  /// HC' = ~(~HC + ~m + m') over the 16-bit words that changed (RFC 1624, eqn. 3).
  static func patch(_ packet: inout [UInt8], at offset: Int, old: [UInt8], new: [UInt8]) {
    var sum = UInt32(~word(packet, offset))
    for index in stride(from: 0, to: old.count, by: 2) {
      sum += UInt32(~word(old, index)) + UInt32(word(new, index))
    }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    let result = ~UInt16(sum)
    packet[offset] = UInt8(result >> 8)
    packet[offset + 1] = UInt8(result & 0xFF)
  }

  /// The one's-complement checksum of `bytes` (for tests of `patch`).
  static func checksum(_ bytes: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    for index in stride(from: 0, to: bytes.count, by: 2) {
      sum += UInt32(bytes[index]) << 8 | UInt32(index + 1 < bytes.count ? bytes[index + 1] : 0)
    }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
  }

  private static func word(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
  }
}
