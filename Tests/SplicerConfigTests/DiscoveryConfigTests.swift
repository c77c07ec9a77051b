import XCTest

@testable import SplicerConfig

/// A pool's `discover` section: servers from DNS SRV records.
final class DiscoveryConfigTests: XCTestCase {
  private func config(_ pool: String) -> String {
    """
    listeners: [{ name: web, bind: "127.0.0.1:8080", pool: app }]
    pools:
      app:
    \(pool)
    """
  }

  func testValues() throws {
    let cases: [(String, DiscoveryConfig)] = [
      ("    discover: { srv: _echo._tcp.example }", DiscoveryConfig(srv: "_echo._tcp.example")),
      ("    discover: { srv: _Echo._TCP.Example. }", DiscoveryConfig(srv: "_echo._tcp.example")),
      (
        "    discover: { srv: _echo._tcp.example, nameserver: 127.0.0.1:5353, interval: 5s }",
        DiscoveryConfig(
          srv: "_echo._tcp.example", nameserver: Endpoint(family: .ipv4, host: "127.0.0.1", port: 5353),
          interval: .seconds(5))
      ),
      (
        "    discover: { srv: _a-b_c._udp.x.y.z, interval: 1s }",
        DiscoveryConfig(srv: "_a-b_c._udp.x.y.z", interval: .seconds(1))
      ),
    ]
    for (text, expected) in cases {
      let pool = try ConfigLoader.parse(yaml: config(text)).pools[0]
      XCTAssertEqual(pool.discover, expected, text)
      XCTAssertEqual(pool.servers, [], text)
      XCTAssertEqual(pool.retries, ConfigLoader.defaultRetriesCap, text)
    }
  }

  func testListedServersHaveNoDiscovery() throws {
    let pool = try ConfigLoader.parse(yaml: config("    servers: [{ address: 127.0.0.1:9000 }]")).pools[0]
    XCTAssertNil(pool.discover)
  }

  func testErrors() {
    let cases: [(pool: String, line: Int, key: String, fragment: String)] = [
      ("    discover: { srv: echo.example }", 4, "pools.app.discover.srv", "_service._proto.domain"),
      ("    discover: { srv: _echo._tcp }", 4, "pools.app.discover.srv", "_service._proto.domain"),
      ("    discover: { srv: \"_echo._tcp.ex ample\" }", 4, "pools.app.discover.srv", "only letters"),
      ("    discover: { srv: _echo._tcp..example }", 4, "pools.app.discover.srv", "empty label"),
      ("    discover: { interval: 5s }", 4, "pools.app.discover.srv", "missing required key 'srv'"),
      ("    discover: { srv: _e._tcp.x, nameserver: dns.example:53 }", 4, "pools.app.discover.nameserver", "address"),
      ("    discover: { srv: _e._tcp.x, nameserver: 127.0.0.1 }", 4, "pools.app.discover.nameserver", "port"),
      ("    discover: { srv: _e._tcp.x, nameserver: \"[::1]:53\" }", 4, "pools.app.discover.nameserver", "IPv4"),
      ("    discover: { srv: _e._tcp.x, interval: 500ms }", 4, "pools.app.discover.interval", "at least 1s"),
      ("    discover: { srv: _e._tcp.x, interval: soon }", 4, "pools.app.discover.interval", "duration"),
      ("    discover: { srv: _e._tcp.x, ttl: 5s }", 4, "pools.app.discover.ttl", "unknown key 'ttl'"),
      (
        "    discover: { srv: _e._tcp.x }\n    servers: [{ address: 127.0.0.1:9000 }]", 5, "pools.app.servers",
        "leave out 'servers' (discover is at line 4)"
      ),
      ("    balance: random", 4, "pools.app.servers", "missing required key 'servers'"),
    ]
    for testCase in cases {
      do {
        let parsed = try ConfigLoader.parse(yaml: config(testCase.pool), file: "bad.yaml")
        XCTFail("\(testCase.pool): expected an error, parsed \(parsed)")
      } catch {
        XCTAssertEqual(error.file, "bad.yaml", testCase.pool)
        XCTAssertEqual(error.line, testCase.line, "\(testCase.pool): \(error)")
        XCTAssertEqual(error.key, testCase.key, "\(testCase.pool): \(error)")
        XCTAssertTrue(error.message.contains(testCase.fragment), "\(testCase.pool): '\(error.message)'")
      }
    }
  }
}
