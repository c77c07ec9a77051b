import XCTest

@testable import SplicerConfig

final class ServerAddressParserTests: XCTestCase {
  func testValidAddresses() throws {
    let cases: [(text: String, expected: ServerAddress, shown: String, line: UInt)] = [
      ("10.0.1.10:8443", .ip(Endpoint(family: .ipv4, host: "10.0.1.10", port: 8443)), "10.0.1.10:8443", #line),
      ("[::1]:80", .ip(Endpoint(family: .ipv6, host: "::1", port: 80)), "[::1]:80", #line),
      ("[0:0::1]:80", .ip(Endpoint(family: .ipv6, host: "::1", port: 80)), "[::1]:80", #line),
      ("api-b.internal:8443", .hostname("api-b.internal", port: 8443), "api-b.internal:8443", #line),
      ("API-B.Internal:8443", .hostname("api-b.internal", port: 8443), "api-b.internal:8443", #line),
      ("localhost:9000", .hostname("localhost", port: 9000), "localhost:9000", #line),
      ("db1:5432", .hostname("db1", port: 5432), "db1:5432", #line),
      ("unix:/run/api.sock", .unix(path: "/run/api.sock"), "unix:/run/api.sock", #line),
      (
        "unix:/" + String(repeating: "a", count: 106), .unix(path: "/" + String(repeating: "a", count: 106)),
        "unix:/" + String(repeating: "a", count: 106), #line
      ),
    ]
    for (text, expected, shown, line) in cases {
      let address = try ServerAddress(parsing: text)
      XCTAssertEqual(address, expected, text, line: line)
      XCTAssertEqual(address.description, shown, text, line: line)
      XCTAssertEqual(try ServerAddress(parsing: shown), address, "round trip of \(text)", line: line)
    }
  }

  func testAccessors() throws {
    XCTAssertEqual(try ServerAddress(parsing: "10.0.0.1:80").endpoint?.host, "10.0.0.1")
    XCTAssertNil(try ServerAddress(parsing: "name:80").endpoint)
    XCTAssertEqual(try ServerAddress(parsing: "name:80").port, 80)
    XCTAssertNil(try ServerAddress(parsing: "unix:/a").port)
    XCTAssertTrue(try ServerAddress(parsing: "unix:/a").isUnix)
    XCTAssertFalse(try ServerAddress(parsing: "[::1]:1").isUnix)
  }

  func testInvalidAddresses() {
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected an address with a port", #line),
      ("backend.internal", "missing port in 'backend.internal' (e.g. backend.internal:8080)", #line),
      ("backend.internal:", "missing port after ':' in 'backend.internal:'", #line),
      ("backend:http", "'http' is not a port number in 'backend:http'", #line),
      ("backend:0", "port 0 is out of range (1-65535)", #line),
      ("backend:65536", "port 65536 is out of range (1-65535)", #line),
      ("back_end:80", "bad host name in 'back_end:80': 'back_end' contains '_'", #line),
      ("-backend:80", "bad host name in '-backend:80': a label of '-backend' starts or ends with '-'", #line),
      ("a..b:80", "bad host name in 'a..b:80': 'a..b' has an empty label", #line),
      ("backend.:80", "bad host name in 'backend.:80': 'backend.' must not end with '.'", #line),
      ("300.1.1.1:80", "'300.1.1.1' is not a valid IPv4 address", #line),
      ("1.2.3:80", "'1.2.3' is not a valid IPv4 address", #line),
      (
        "host.123:80", "bad host name in 'host.123:80': 'host.123' is not a host name: its last label is all digits",
        #line
      ),
      ("::1:80", "IPv6 addresses must be in brackets", #line),
      ("[::1]", "missing port", #line),
      ("back end:80", "unexpected character in address 'back end:80'", #line),
      ("unix:", "missing path after 'unix:' (e.g. unix:/run/app.sock)", #line),
      ("unix:run/api.sock", "unix socket path 'run/api.sock' must be absolute (start with /)", #line),
      ("unix:/run/a\0b", "unix socket path in 'unix:/run/a\0b' contains a NUL byte", #line),
      (
        "unix:/" + String(repeating: "a", count: 107), "unix socket path is 108 bytes; the kernel takes at most 107",
        #line
      ),
      ("/run/api.sock", "unix socket addresses start with 'unix:', e.g. unix:/run/api.sock", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try ServerAddress(parsing: text), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.contains(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }
}
