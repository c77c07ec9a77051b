import XCTest

@testable import SplicerConfig

final class CIDRTests: XCTestCase {
  func testValidNetworks() throws {
    let cases: [(text: String, family: Endpoint.Family, bytes: [UInt8], prefix: Int, shown: String, line: UInt)] = [
      ("10.0.0.0/8", .ipv4, [10, 0, 0, 0], 8, "10.0.0.0/8", #line),
      ("0.0.0.0/0", .ipv4, [0, 0, 0, 0], 0, "0.0.0.0/0", #line),
      ("192.0.2.7", .ipv4, [192, 0, 2, 7], 32, "192.0.2.7/32", #line),
      ("192.0.2.7/32", .ipv4, [192, 0, 2, 7], 32, "192.0.2.7/32", #line),
      ("172.16.0.0/12", .ipv4, [172, 16, 0, 0], 12, "172.16.0.0/12", #line),
      ("::/0", .ipv6, [UInt8](repeating: 0, count: 16), 0, "::/0", #line),
      ("fd00::/8", .ipv6, [0xFD] + [UInt8](repeating: 0, count: 15), 8, "fd00::/8", #line),
      ("FD00::/8", .ipv6, [0xFD] + [UInt8](repeating: 0, count: 15), 8, "fd00::/8", #line),
      ("::1", .ipv6, [UInt8](repeating: 0, count: 15) + [1], 128, "::1/128", #line),
      (
        "2001:db8:0:0::/64", .ipv6, [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12), 64,
        "2001:db8::/64", #line
      ),
      (
        "2001:db8::8000:0/97", .ipv6, [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 8) + [0x80, 0, 0, 0],
        97, "2001:db8::8000:0/97", #line
      ),
      // IPv4-mapped networks are the IPv4 networks they describe.
      ("::ffff:10.0.0.0/104", .ipv4, [10, 0, 0, 0], 8, "10.0.0.0/8", #line),
      ("::ffff:0:0/96", .ipv4, [0, 0, 0, 0], 0, "0.0.0.0/0", #line),
      ("::ffff:192.0.2.7", .ipv4, [192, 0, 2, 7], 32, "192.0.2.7/32", #line),
    ]
    for (text, family, bytes, prefix, shown, line) in cases {
      let cidr = try CIDR(parsing: text)
      XCTAssertEqual(cidr.family, family, text, line: line)
      XCTAssertEqual(cidr.networkBytes, bytes, text, line: line)
      XCTAssertEqual(cidr.prefixLength, prefix, text, line: line)
      XCTAssertEqual(cidr.description, shown, text, line: line)
      XCTAssertEqual(try CIDR(parsing: cidr.description), cidr, "round trip of \(text)", line: line)
    }
  }

  func testInvalidNetworks() {
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected an address or network (e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)", #line),
      ("10.0.0.1/8", "'10.0.0.1/8' has bits set past the /8 prefix; did you mean 10.0.0.0/8?", #line),
      ("fd00::1/8", "'fd00::1/8' has bits set past the /8 prefix; did you mean fd00::/8?", #line),
      ("10.0.0.0/33", "prefix length '33' in '10.0.0.0/33' is not between 0 and 32 (IPv4)", #line),
      ("::/129", "prefix length '129' in '::/129' is not between 0 and 128 (IPv6)", #line),
      ("10.0.0.0/-1", "prefix length '-1' in '10.0.0.0/-1' is not between 0 and 32 (IPv4)", #line),
      ("10.0.0.0/", "missing prefix length after '/' in '10.0.0.0/'", #line),
      ("/8", "missing address before '/' in '/8' (e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)", #line),
      ("10.0.0.0/8/9", "'10.0.0.0/8/9' has more than one '/' (e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)", #line),
      ("fe80::1%eth0", "IPv6 zone IDs are not supported in 'fe80::1%eth0'", #line),
      ("fe80::%eth0/64", "IPv6 zone IDs are not supported in 'fe80::%eth0/64'", #line),
      ("[fd00::]/8", "write IPv6 networks without brackets, e.g. fd00::/8; got '[fd00::]/8'", #line),
      ("10.0.0/8", "'10.0.0' is not a valid IPv4 or IPv6 address (e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)", #line),
      ("256.0.0.0/8", "'256.0.0.0' is not a valid IPv4 or IPv6 address", #line),
      ("example.com", "host names cannot be used as networks ('example.com'); use addresses", #line),
      ("10.0.0.0 /8", "unexpected character in network '10.0.0.0 /8'", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try CIDR(parsing: text), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.hasPrefix(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }

  func testContains() throws {
    let v4: (UInt8, UInt8, UInt8, UInt8) -> [UInt8] = { [$0, $1, $2, $3] }
    let mapped: (UInt8, UInt8, UInt8, UInt8) -> [UInt8] = {
      [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, $0, $1, $2, $3]
    }
    let fd00_1 = [0xFD] + [UInt8](repeating: 0, count: 14) + [1]
    let loopback6 = [UInt8](repeating: 0, count: 15) + [1]
    let documentation = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [5]
    let cases: [(cidr: String, address: [UInt8], expected: Bool, line: UInt)] = [
      ("10.0.0.0/8", v4(10, 1, 2, 3), true, #line),
      ("10.0.0.0/8", v4(11, 0, 0, 0), false, #line),
      ("10.0.0.0/8", v4(9, 255, 255, 255), false, #line),
      ("0.0.0.0/0", v4(203, 0, 113, 9), true, #line),
      ("192.0.2.7", v4(192, 0, 2, 7), true, #line),
      ("192.0.2.7", v4(192, 0, 2, 8), false, #line),
      ("172.16.0.0/12", v4(172, 31, 255, 255), true, #line),
      ("172.16.0.0/12", v4(172, 32, 0, 0), false, #line),
      // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
      ("10.0.0.0/8", mapped(10, 1, 2, 3), true, #line),
      ("10.0.0.0/8", mapped(11, 1, 2, 3), false, #line),
      ("0.0.0.0/0", mapped(1, 2, 3, 4), true, #line),
      ("::ffff:10.0.0.0/104", v4(10, 9, 9, 9), true, #line),
      // IPv4 networks never match other IPv6 addresses, even with the same low bytes.
      ("0.0.0.0/0", loopback6, false, #line),
      ("0.0.0.0/0", fd00_1, false, #line),
      ("0.0.0.1/32", [UInt8](repeating: 0, count: 15) + [1], false, #line),
      // IPv6 networks match IPv6 clients only: ::/0 is every IPv6 address, no IPv4 one.
      ("::/0", fd00_1, true, #line),
      ("::/0", v4(10, 0, 0, 1), false, #line),
      ("::/0", mapped(10, 0, 0, 1), false, #line),
      ("fd00::/8", fd00_1, true, #line),
      ("fd00::/8", loopback6, false, #line),
      ("::1", loopback6, true, #line),
      ("::1", fd00_1, false, #line),
      ("2001:db8::/32", documentation, true, #line),
      ("2001:db8::/64", documentation, true, #line),
      ("2001:db8::/127", documentation, false, #line),
      ("2001:db8::4/126", documentation, true, #line),
      ("2001:db8::5/128", documentation, true, #line),
      // Neither 4 nor 16 bytes: never contained.
      ("0.0.0.0/0", [], false, #line),
      ("::/0", [UInt8](repeating: 0, count: 8), false, #line),
    ]
    for (text, address, expected, line) in cases {
      let cidr = try CIDR(parsing: text)
      XCTAssertEqual(cidr.contains(address), expected, "\(text) contains \(address)", line: line)
      XCTAssertEqual(cidr.contains(address[...]), expected, "\(text) contains slice", line: line)
    }
  }

  func testMemberwiseInitMasksAndChecks() throws {
    XCTAssertEqual(CIDR(networkBytes: [10, 1, 2, 3], prefixLength: 8), try CIDR(parsing: "10.0.0.0/8"))
    XCTAssertNil(CIDR(networkBytes: [10, 1, 2], prefixLength: 8))
    XCTAssertNil(CIDR(networkBytes: [10, 1, 2, 3], prefixLength: 33))
    XCTAssertEqual(Set([try CIDR(parsing: "10.0.0.0/8"), try CIDR(parsing: "::ffff:10.0.0.0/104")]).count, 1)
  }
}
