import SplicerSystem

/// Parses the PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2 binary) that a
/// proxy in front of us writes before the client's first byte.
///
/// Stateless: the caller peeks (MSG_PEEK) whatever has arrived and calls `parse` again with the
/// longer prefix until the answer is not `.needMore`, then consumes `length` bytes. The answer for
/// a prefix never contradicts the answer for the whole: every prefix of a valid header is
/// `.needMore`, and a prefix that no valid header starts with is `.invalid` as soon as that can
/// be known (a client that does not speak PROXY is rejected on its first byte).
///
/// Cost: one pass over at most `maximumLength` bytes, no heap allocation on the way; the input
/// may be any bytes at all (the function is driven by a fuzzer) and never traps.
public enum ProxyHeaderParser {
  /// The longest v1 line the spec allows, CRLF included.
  public static let maximumV1Length = 107
  /// The largest v2 length field we accept (addresses plus TLVs). HAProxy and the spec set no
  /// limit below 65535; 4 KiB holds the addresses and every TLV senders are known to write,
  /// and bounds the peek buffer the relay needs.
  public static let maximumV2PayloadLength = 4_096
  /// The most bytes a header we accept can take: the buffer size to peek with.
  public static let maximumLength = 16 + maximumV2PayloadLength

  static let v1Signature: [UInt8] = Array("PROXY ".utf8)
  static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

  /// Decides what `bytes`, the first bytes of a connection, hold. See the type's documentation.
  public static func parse(_ bytes: UnsafeRawBufferPointer) -> ProxyHeaderParseResult {
    guard let first = bytes.first else { return .needMore }
    switch first {
    case UInt8(ascii: "P"): return parseV1(bytes)
    case 0x0D: return parseV2(bytes)
    default: return .invalid(.notProxyHeader)
    }
  }

  /// nil when `bytes` starts with the whole signature; otherwise `.needMore` for a prefix of it
  /// and `.invalid` for anything else.
  static func matchSignature(_ bytes: UnsafeRawBufferPointer, _ signature: [UInt8]) -> ProxyHeaderParseResult? {
    for index in 0..<min(signature.count, bytes.count) where bytes[index] != signature[index] {
      return .invalid(.notProxyHeader)
    }
    return bytes.count < signature.count ? .needMore : nil
  }

  static func parseV2(_ bytes: UnsafeRawBufferPointer) -> ProxyHeaderParseResult {
    if let early = matchSignature(bytes, v2Signature) { return early }
    guard bytes.count > 12 else { return .needMore }
    guard bytes[12] >> 4 == 2 else { return .invalid(.v2BadVersion) }
    let isProxy: Bool
    switch bytes[12] & 0x0F {
    case 0: isProxy = false
    case 1: isProxy = true
    default: return .invalid(.v2UnsupportedCommand)
    }
    guard bytes.count > 13 else { return .needMore }
    // LOCAL: the spec says to ignore the family byte and the whole address block.
    var addressLength = 0
    if isProxy {
      switch bytes[13] {
      case 0x00: addressLength = 0
      case 0x11: addressLength = 12
      case 0x21: addressLength = 36
      case 0x31: addressLength = 216
      case 0x12, 0x22, 0x32: return .invalid(.v2Datagram)
      default: return .invalid(.v2UnsupportedFamily)
      }
    }
    guard bytes.count >= 16 else { return .needMore }
    let payloadLength = Int(bytes[14]) << 8 | Int(bytes[15])
    guard payloadLength <= maximumV2PayloadLength else { return .invalid(.v2TooLong) }
    guard payloadLength >= addressLength else { return .invalid(.v2AddressBlockTooShort) }
    let total = 16 + payloadLength
    guard bytes.count >= total else { return .needMore }
    guard isProxy else { return .complete(ProxyHeader(version: .v2, addresses: .local), length: total) }
    guard tlvsFill(bytes, from: 16 + addressLength, to: total) else { return .invalid(.v2BadTLV) }
    let addresses: ProxyHeader.Addresses
    switch bytes[13] {
    case 0x11:
      addresses = .proxied(
        source: SocketAddress(ipv4: bytes[16..<20], port: port(bytes, at: 24))!,
        destination: SocketAddress(ipv4: bytes[20..<24], port: port(bytes, at: 26))!)
    case 0x21:
      addresses = .proxied(
        source: SocketAddress(ipv6: bytes[16..<32], port: port(bytes, at: 48))!,
        destination: SocketAddress(ipv6: bytes[32..<48], port: port(bytes, at: 50))!)
    default:
      // UNSPEC, and UNIX: a unix client has no address a TCP backend could use, so like the
      // spec's UNSPEC it is accepted and the connection's real endpoints are kept.
      addresses = .local
    }
    return .complete(ProxyHeader(version: .v2, addresses: addresses), length: total)
  }

  static func port(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt16 {
    UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
  }

  /// Whether type-length-value records exactly fill `start..<end`; their content is not read.
  static func tlvsFill(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
    var index = start
    while index < end {
      guard end - index >= 3 else { return false }
      index += 3 + (Int(bytes[index + 1]) << 8 | Int(bytes[index + 2]))
    }
    return index == end
  }
}
