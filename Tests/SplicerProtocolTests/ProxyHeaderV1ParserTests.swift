import SplicerProtocol
import SplicerSystem
import XCTest

/// The PROXY v1 text line: valid lines, every malformed shape, and prefixes.
final class ProxyHeaderV1ParserTests: XCTestCase {
  typealias Support = ProxyHeaderTestSupport

  func testParsesValidLines() {
    let cases: [(line: String, addresses: ProxyHeader.Addresses)] = [
      ("PROXY TCP4 192.0.2.1 198.51.100.2 51234 443\r\n", Support.proxied("192.0.2.1", 51_234, "198.51.100.2", 443)),
      ("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", Support.proxied("0.0.0.0", 0, "255.255.255.255", 65_535)),
      ("PROXY TCP6 2001:db8::1 ::1 1 2\r\n", Support.proxied("2001:db8::1", 1, "::1", 2)),
      (
        "PROXY TCP6 ::ffff:192.0.2.1 ::FFFF:10.0.0.1 80 81\r\n",
        Support.proxied("::ffff:192.0.2.1", 80, "::ffff:10.0.0.1", 81)
      ),
      (
        "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
        Support.proxied(
          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65_535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65_535)
      ),
      ("PROXY UNKNOWN\r\n", .local),
      ("PROXY UNKNOWN ffff::1 ::2 3 4\r\n", .local),
      ("PROXY UNKNOWN anything at all \t here\r\n", .local),
    ]
    for (line, addresses) in cases {
      let bytes = Array(line.utf8)
      XCTAssertEqual(
        Support.parse(bytes + Array("GET / HTTP/1.1\r\n".utf8)),
        .complete(ProxyHeader(version: .v1, addresses: addresses), length: bytes.count), line)
    }
  }

  func testTheLongestLineTheSpecAllowsIs107Bytes() {
    let longest =
      "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"
    XCTAssertEqual(longest.utf8.count, 104)
    let unknown = "PROXY UNKNOWN " + String(repeating: "x", count: 107 - 16) + "\r\n"
    XCTAssertEqual(unknown.utf8.count, 107)
    guard case .complete(_, 107) = Support.parse(unknown) else { return XCTFail("107 bytes must be accepted") }
    XCTAssertEqual(Support.parse("PROXY UNKNOWN " + String(repeating: "x", count: 92) + "\r\n"), .invalid(.v1TooLong))
    XCTAssertEqual(Support.parse("PROXY UNKNOWN " + String(repeating: "x", count: 200)), .invalid(.v1TooLong))
    // 45-character addresses are valid IPv6 text but make the line longer than the spec's limit.
    let mapped = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
    XCTAssertEqual(Support.parse("PROXY TCP6 \(mapped) \(mapped) 65535 65535\r\n"), .invalid(.v1TooLong))
  }

  func testRejectsMalformedLines() {
    let cases: [(line: String, error: ProxyHeaderError)] = [
      ("GET / HTTP/1.1\r\n", .notProxyHeader),
      ("PROXY\r\n", .notProxyHeader),
      ("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", .notProxyHeader),
      ("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", .v1BadSyntax),
      ("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", .v1BadSyntax),
      // No CRLF: the client's payload runs into the last field.
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2GET / HTTP/1.1\r\n", .v1BadPort),
      ("PROXY UNKNOWNGET / HTTP/1.1\r\n", .v1BadProtocol),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4 5.6.7.8\r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4\r\n", .v1BadSyntax),
      ("PROXY TCP4\r\n", .v1BadSyntax),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", .v1BadSyntax),
      ("PROXY UNKNOWN\n", .v1BadSyntax),
      ("PROXY UNKNOWN foo\nbar\r\n", .v1BadSyntax),
      ("PROXY \r\n", .v1BadSyntax),
      ("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", .v1BadProtocol),
      ("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", .v1BadProtocol),
      ("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", .v1BadProtocol),
      ("PROXY TCP 1.2.3.4 5.6.7.8 1 2\r\n", .v1BadProtocol),
      ("PROXY UNKNOWNX\r\n", .v1BadProtocol),
      ("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", .v1BadAddress),
      ("PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n", .v1BadAddress),
      ("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", .v1BadAddress),
      ("PROXY TCP4 localhost 5.6.7.8 1 2\r\n", .v1BadAddress),
      ("PROXY TCP4 1.2.3.4 5.6.7.8x 1 2\r\n", .v1BadAddress),
      ("PROXY TCP6 ::g ::1 1 2\r\n", .v1BadAddress),
      ("PROXY TCP6 [::1] ::1 1 2\r\n", .v1BadAddress),
      ("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", .v1BadAddress),
      ("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", .v1FamilyMismatch),
      ("PROXY TCP4 1.2.3.4 ::1 1 2\r\n", .v1FamilyMismatch),
      ("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", .v1FamilyMismatch),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 123456 2\r\n", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 0x10 2\r\n", .v1BadPort),
    ]
    for (line, error) in cases {
      XCTAssertEqual(Support.parse(line), .invalid(error), line.debugDescription)
    }
  }

  func testDecidesAsSoonAsTheBytesShowTheLineIsWrong() {
    let cases: [(prefix: String, error: ProxyHeaderError)] = [
      ("G", .notProxyHeader),
      ("PR0", .notProxyHeader),
      ("PROXY H", .v1BadProtocol),
      ("PROXY TCP7", .v1BadProtocol),
      ("PROXY UNKNOWA", .v1BadProtocol),
      ("PROXY TCP\r", .v1BadProtocol),
      ("PROXY TCP4 1.2.3.4 ::1 ", .v1FamilyMismatch),
      ("PROXY TCP4 1.x", .v1BadAddress),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 70000 ", .v1BadPort),
      ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", .v1BadSyntax),
    ]
    for (prefix, error) in cases {
      XCTAssertEqual(Support.parse(prefix), .invalid(error), prefix.debugDescription)
    }
  }

  func testEveryPrefixOfAValidLineNeedsMore() {
    for line in [
      "PROXY TCP4 192.0.2.1 198.51.100.2 51234 443\r\n", "PROXY TCP6 2001:db8::1 ::1 1 2\r\n",
      "PROXY UNKNOWN\r\n", "PROXY UNKNOWN x y\r\n",
    ] {
      let bytes = Array(line.utf8)
      for count in 0..<bytes.count {
        XCTAssertEqual(Support.parse(Array(bytes[..<count])), .needMore, "\(line.debugDescription) cut at \(count)")
      }
    }
  }
}
