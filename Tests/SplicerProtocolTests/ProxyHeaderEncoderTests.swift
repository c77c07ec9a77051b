import SplicerProtocol
import SplicerSystem
import XCTest

/// The headers the relay writes: exact bytes, and that the parser reads them back.
final class ProxyHeaderEncoderTests: XCTestCase {
  typealias Support = ProxyHeaderTestSupport

  func testWritesExactV1Lines() {
    let cases: [(source: SocketAddress, destination: SocketAddress, line: String)] = [
      (ip("192.0.2.1", 51_234), ip("198.51.100.2", 443), "PROXY TCP4 192.0.2.1 198.51.100.2 51234 443\r\n"),
      (ip("2001:db8::1", 1), ip("::1", 0), "PROXY TCP6 2001:db8::1 ::1 1 0\r\n"),
      (ip("::ffff:192.0.2.1", 5), ip("10.0.0.1", 6), "PROXY TCP4 192.0.2.1 10.0.0.1 5 6\r\n"),
      (ip("::ffff:192.0.2.1", 5), ip("::ffff:10.0.0.1", 6), "PROXY TCP4 192.0.2.1 10.0.0.1 5 6\r\n"),
      (ip("192.0.2.1", 5), ip("::ffff:10.0.0.1", 6), "PROXY TCP4 192.0.2.1 10.0.0.1 5 6\r\n"),
      (ip("::ffff:192.0.2.1", 5), ip("::1", 6), "PROXY TCP6 ::ffff:192.0.2.1 ::1 5 6\r\n"),
      (ip("192.0.2.1", 5), ip("::1", 6), "PROXY UNKNOWN\r\n"),
      (SocketAddress(unixPath: "/run/a.sock")!, ip("10.0.0.1", 6), "PROXY UNKNOWN\r\n"),
      (SocketAddress(unixPath: "/run/a.sock")!, SocketAddress(unixPath: "/run/b.sock")!, "PROXY UNKNOWN\r\n"),
    ]
    for (source, destination, line) in cases {
      XCTAssertEqual(
        String(decoding: ProxyHeaderEncoder.v1(source: source, destination: destination), as: UTF8.self), line)
    }
  }

  func testWritesExactV2Headers() {
    XCTAssertEqual(
      ProxyHeaderEncoder.v2(source: ip("192.0.2.1", 51_234), destination: ip("198.51.100.2", 443)),
      Support.v2(0x21, 0x11, [192, 0, 2, 1, 198, 51, 100, 2, 0xC8, 0x22, 0x01, 0xBB]))
    XCTAssertEqual(
      ProxyHeaderEncoder.v2(source: ip("::1", 1), destination: ip("::2", 0x1234)),
      Support.v2(
        0x21, 0x21,
        [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [2] + [0, 1, 0x12, 0x34]))
    XCTAssertEqual(
      ProxyHeaderEncoder.v2(source: ip("::ffff:192.0.2.1", 7), destination: ip("10.0.0.1", 8)),
      Support.v2(0x21, 0x11, [192, 0, 2, 1, 10, 0, 0, 1, 0, 7, 0, 8]))
    XCTAssertEqual(
      ProxyHeaderEncoder.v2(source: SocketAddress(unixPath: "/a")!, destination: ip("10.0.0.1", 8)),
      Support.v2(0x20, 0x00, []))
  }

  func testParserReadsBackWhatTheEncoderWrites() {
    let pairs: [(SocketAddress, SocketAddress)] = [
      (ip("192.0.2.1", 51_234), ip("198.51.100.2", 443)),
      (ip("0.0.0.0", 0), ip("255.255.255.255", 65_535)),
      (ip("2001:db8::1", 1), ip("fe80::1234:5678", 65_535)),
      (ip("::", 0), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65_535)),
    ]
    for (source, destination) in pairs {
      let expected = ProxyHeader.Addresses.proxied(source: source, destination: destination)
      let v1 = ProxyHeaderEncoder.v1(source: source, destination: destination)
      XCTAssertEqual(Support.parse(v1), .complete(ProxyHeader(version: .v1, addresses: expected), length: v1.count))
      let v2 = ProxyHeaderEncoder.v2(source: source, destination: destination)
      XCTAssertEqual(Support.parse(v2), .complete(ProxyHeader(version: .v2, addresses: expected), length: v2.count))
    }
    let unix = SocketAddress(unixPath: "/run/a.sock")!
    for encoded in [ProxyHeaderEncoder.v1, ProxyHeaderEncoder.v2].map({ $0(unix, ip("10.0.0.1", 1)) }) {
      guard case .complete(let header, encoded.count) = Support.parse(encoded) else { return XCTFail("\(encoded)") }
      XCTAssertEqual(header.addresses, .local)
    }
  }

  private func ip(_ text: String, _ port: UInt16) -> SocketAddress { SocketAddress(ip: text, port: port)! }
}
