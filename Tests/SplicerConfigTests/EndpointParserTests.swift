import XCTest

@testable import SplicerConfig

final class EndpointParserTests: XCTestCase {
  func testValidEndpoints() throws {
    let cases: [(text: String, expected: Endpoint, line: UInt)] = [
      ("127.0.0.1:8080", Endpoint(family: .ipv4, host: "127.0.0.1", port: 8080), #line),
      ("0.0.0.0:1", Endpoint(family: .ipv4, host: "0.0.0.0", port: 1), #line),
      ("10.1.2.3:65535", Endpoint(family: .ipv4, host: "10.1.2.3", port: 65535), #line),
      ("[::1]:80", Endpoint(family: .ipv6, host: "::1", port: 80), #line),
      ("[0::1]:80", Endpoint(family: .ipv6, host: "::1", port: 80), #line),
      ("[::]:443", Endpoint(family: .ipv6, host: "::", port: 443), #line),
      ("[2001:DB8:0:0:0:0:0:1]:53", Endpoint(family: .ipv6, host: "2001:db8::1", port: 53), #line),
      ("[::ffff:127.0.0.1]:80", Endpoint(family: .ipv6, host: "::ffff:127.0.0.1", port: 80), #line),
    ]
    for (text, expected, line) in cases {
      let endpoint = try EndpointParser.parse(text, allowPortZero: false)
      XCTAssertEqual(endpoint, expected, text, line: line)
      XCTAssertEqual(
        try EndpointParser.parse(endpoint.description, allowPortZero: false), endpoint, line: line)
    }
  }

  func testPortZeroOnlyWhereAllowed() throws {
    XCTAssertEqual(try EndpointParser.parse("127.0.0.1:0", allowPortZero: true).port, 0)
    XCTAssertEqual(try EndpointParser.parse("[::1]:0", allowPortZero: true).port, 0)
    XCTAssertThrowsError(try EndpointParser.parse("127.0.0.1:0", allowPortZero: false))
  }

  func testInvalidEndpoints() {
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected an address", #line),
      ("127.0.0.1", "missing port", #line),
      ("127.0.0.1:", "missing port after ':'", #line),
      ("127.0.0.1:http", "'http' is not a port number", #line),
      ("127.0.0.1:-1", "is not a port number", #line),
      ("127.0.0.1:65536", "port 65536 is out of range (1-65535)", #line),
      ("127.0.0.1:99999999999999999999", "out of range", #line),
      (":8080", "missing host", #line),
      ("localhost:8080", "listeners bind numeric addresses, not host names ('localhost')", #line),
      ("localhost", "listeners bind numeric addresses", #line),
      ("db.example.com:5432", "listeners bind numeric addresses", #line),
      ("256.0.0.1:80", "'256.0.0.1' is not a valid IPv4 address", #line),
      ("1.2.3:80", "not a valid IPv4 address", #line),
      ("::1:8080", "IPv6 addresses must be in brackets", #line),
      ("fe80::1", "IPv6 addresses must be in brackets", #line),
      ("[::1]", "missing port", #line),
      ("[::1]8080", "expected ':' and a port", #line),
      ("[::1:8080", "missing ']'", #line),
      ("[::g]:80", "'::g' is not a valid IPv6 address", #line),
      ("[127.0.0.1]:80", "brackets are for IPv6 addresses only", #line),
      ("[fe80::1%eth0]:80", "zone IDs", #line),
      ("127.0.0.1 :80", "unexpected character", #line),
      ("127.0.0.1\0:80", "unexpected character", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try EndpointParser.parse(text, allowPortZero: false), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.contains(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }
}
