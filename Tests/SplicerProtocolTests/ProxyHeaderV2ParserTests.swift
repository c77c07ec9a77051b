import SplicerProtocol
import SplicerSystem
import XCTest

/// The PROXY v2 binary header: valid headers, every malformed shape, and prefixes.
final class ProxyHeaderV2ParserTests: XCTestCase {
  typealias Support = ProxyHeaderTestSupport

  static let ipv4Block: [UInt8] = [192, 0, 2, 1, 198, 51, 100, 2, 0xC8, 0x22, 0x01, 0xBB]
  static let ipv6Block: [UInt8] =
    [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1] + [UInt8](repeating: 0, count: 15) + [2]
    + [0, 80, 0x1F, 0x90]
  /// A PP2_TYPE_AUTHORITY TLV ("example.com") and a PP2_TYPE_NOOP one with no value.
  static let tlvs: [UInt8] = [0x02, 0x00, 0x0B] + Array("example.com".utf8) + [0x04, 0x00, 0x00]

  static let validCases: [(name: String, header: [UInt8], addresses: ProxyHeader.Addresses)] = [
    ("tcp4", Support.v2(0x21, 0x11, ipv4Block), Support.proxied("192.0.2.1", 51_234, "198.51.100.2", 443)),
    ("tcp6", Support.v2(0x21, 0x21, ipv6Block), Support.proxied("2001:db8::1", 80, "::2", 8080)),
    (
      "tcp4 with tlvs", Support.v2(0x21, 0x11, ipv4Block + tlvs),
      Support.proxied("192.0.2.1", 51_234, "198.51.100.2", 443)
    ),
    ("tcp6 with tlvs", Support.v2(0x21, 0x21, ipv6Block + tlvs), Support.proxied("2001:db8::1", 80, "::2", 8080)),
    ("local", Support.v2(0x20, 0x00, []), .local),
    // LOCAL ignores the family and whatever block follows, even one too short for it.
    ("local with an address", Support.v2(0x20, 0x11, ipv4Block), .local),
    ("local with junk", Support.v2(0x20, 0xFF, [1, 2, 3]), .local),
    ("proxy unspec", Support.v2(0x21, 0x00, []), .local),
    ("proxy unspec with tlvs", Support.v2(0x21, 0x00, tlvs), .local),
    ("proxy unix", Support.v2(0x21, 0x31, [UInt8](repeating: 0x2F, count: 216)), .local),
  ]

  func testParsesValidHeaders() {
    for (name, header, addresses) in Self.validCases {
      XCTAssertEqual(
        Support.parse(header + Array("payload".utf8)),
        .complete(ProxyHeader(version: .v2, addresses: addresses), length: header.count), name)
    }
  }

  func testRejectsMalformedHeaders() {
    var badSignature = Support.v2(0x21, 0x11, Self.ipv4Block)
    badSignature[11] = 0x0B
    let cases: [(name: String, header: [UInt8], error: ProxyHeaderError)] = [
      ("bad signature", badSignature, .notProxyHeader),
      ("version 1 nibble", Support.v2(0x11, 0x11, Self.ipv4Block), .v2BadVersion),
      ("version 3 nibble", Support.v2(0x31, 0x11, Self.ipv4Block), .v2BadVersion),
      ("command 2", Support.v2(0x22, 0x11, Self.ipv4Block), .v2UnsupportedCommand),
      ("command 15", Support.v2(0x2F, 0x11, Self.ipv4Block), .v2UnsupportedCommand),
      ("udp4", Support.v2(0x21, 0x12, Self.ipv4Block), .v2Datagram),
      ("udp6", Support.v2(0x21, 0x22, Self.ipv6Block), .v2Datagram),
      ("unix dgram", Support.v2(0x21, 0x32, [UInt8](repeating: 0, count: 216)), .v2Datagram),
      ("family 4", Support.v2(0x21, 0x41, Self.ipv4Block), .v2UnsupportedFamily),
      ("inet without transport", Support.v2(0x21, 0x10, Self.ipv4Block), .v2UnsupportedFamily),
      ("unspec with transport", Support.v2(0x21, 0x01, []), .v2UnsupportedFamily),
      ("transport 3", Support.v2(0x21, 0x13, Self.ipv4Block), .v2UnsupportedFamily),
      ("tcp4 short", Support.v2(0x21, 0x11, Array(Self.ipv4Block.prefix(11))), .v2AddressBlockTooShort),
      ("tcp6 with a tcp4 block", Support.v2(0x21, 0x21, Self.ipv4Block), .v2AddressBlockTooShort),
      ("unix short", Support.v2(0x21, 0x31, [UInt8](repeating: 0, count: 215)), .v2AddressBlockTooShort),
      ("tlv header cut", Support.v2(0x21, 0x11, Self.ipv4Block + [0x04, 0x00]), .v2BadTLV),
      ("tlv value overruns", Support.v2(0x21, 0x11, Self.ipv4Block + [0x04, 0x00, 0x02, 0x00]), .v2BadTLV),
      ("tlv with a stray byte", Support.v2(0x21, 0x11, Self.ipv4Block + Self.tlvs + [0]), .v2BadTLV),
      (
        "too long", Support.v2(0x21, 0x11, Self.ipv4Block + [0x04, 0x10, 0x00] + [UInt8](repeating: 0, count: 4_096)),
        .v2TooLong
      ),
    ]
    for (name, header, error) in cases {
      XCTAssertEqual(Support.parse(header), .invalid(error), name)
    }
  }

  func testDecidesOnTheHeaderFieldsBeforeThePayloadArrives() {
    let cases: [(name: String, prefix: [UInt8], error: ProxyHeaderError)] = [
      ("first byte", [0x0D, 0x0D], .notProxyHeader),
      ("eleventh byte", Array(Support.v2Signature.prefix(10)) + [0x00], .notProxyHeader),
      ("version", Support.v2Signature + [0x11], .v2BadVersion),
      ("command", Support.v2Signature + [0x23], .v2UnsupportedCommand),
      ("family", Support.v2Signature + [0x21, 0x12], .v2Datagram),
      ("length over the maximum", Support.v2Signature + [0x21, 0x11, 0x10, 0x01], .v2TooLong),
      ("length under the block", Support.v2Signature + [0x21, 0x21, 0x00, 0x0C], .v2AddressBlockTooShort),
    ]
    for (name, prefix, error) in cases {
      XCTAssertEqual(Support.parse(prefix), .invalid(error), name)
    }
  }

  func testTheMaximumLengthIsAccepted() {
    let padding = ProxyHeaderParser.maximumV2PayloadLength - Self.ipv4Block.count - 3
    let header = Support.v2(
      0x21, 0x11,
      Self.ipv4Block + [0xEE, UInt8(padding >> 8), UInt8(padding & 0xFF)]
        + [UInt8](repeating: 7, count: padding))
    XCTAssertEqual(header.count, ProxyHeaderParser.maximumLength)
    guard case .complete(_, ProxyHeaderParser.maximumLength) = Support.parse(header) else {
      return XCTFail("a header of the maximum length must be accepted")
    }
  }

  func testEveryPrefixOfAValidHeaderNeedsMore() {
    for (name, header, _) in Self.validCases {
      for count in 0..<header.count {
        XCTAssertEqual(Support.parse(Array(header[..<count])), .needMore, "\(name) cut at \(count)")
      }
    }
  }
}
