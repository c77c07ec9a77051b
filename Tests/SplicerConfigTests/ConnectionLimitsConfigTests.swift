import XCTest

@testable import SplicerConfig

/// `client_keepalive` and `max_lifetime` (listeners) and `server_keepalive` (pools).
final class ConnectionLimitsConfigTests: XCTestCase {
  private func config(listener: String = "", pool: String = "") -> String {
    """
    listeners:
      - name: web
        bind: "127.0.0.1:8080"
        pool: app
    \(listener)
    pools:
      app:
        servers: [{ address: "127.0.0.1:9000" }]
    \(pool)
    """
  }

  func testKeepaliveValues() throws {
    let cases: [(String, KeepaliveConfig?)] = [
      ("", nil),
      ("false", nil),
      ("true", KeepaliveConfig(idle: .seconds(60), interval: .seconds(10), count: 6)),
      ("{}", KeepaliveConfig()),
      ("{ idle: 30s }", KeepaliveConfig(idle: .seconds(30))),
      ("{ idle: 2m, interval: 5s, count: 3 }", KeepaliveConfig(idle: .seconds(120), interval: .seconds(5), count: 3)),
      ("{ idle: 1s, interval: 1s, count: 1 }", KeepaliveConfig(idle: .seconds(1), interval: .seconds(1), count: 1)),
      ("{ idle: 32767s, count: 127 }", KeepaliveConfig(idle: .seconds(32767), count: 127)),
    ]
    for (text, expected) in cases {
      let value = text.isEmpty ? "" : "    client_keepalive: \(text)"
      let listener = try ConfigLoader.parse(yaml: config(listener: value)).listeners[0]
      XCTAssertEqual(listener.clientKeepalive, expected, text)
      let poolValue = text.isEmpty ? "" : "    server_keepalive: \(text)"
      let pool = try ConfigLoader.parse(yaml: config(pool: poolValue)).pools[0]
      XCTAssertEqual(pool.serverKeepalive, expected, text)
    }
  }

  func testMaxLifetimeValues() throws {
    let cases: [(String, Duration?)] = [
      ("", nil), ("    max_lifetime: 1h", .seconds(3600)), ("    max_lifetime: 250ms", .milliseconds(250)),
      ("    max_lifetime: 1m30s", .seconds(90)),
    ]
    for (text, expected) in cases {
      XCTAssertEqual(try ConfigLoader.parse(yaml: config(listener: text)).listeners[0].maxLifetime, expected, text)
    }
  }

  func testDetectionTimeIsIdlePlusEveryProbe() {
    XCTAssertEqual(KeepaliveConfig().detectionTime, .seconds(120))
    XCTAssertEqual(KeepaliveConfig(idle: .seconds(5), interval: .seconds(2), count: 3).detectionTime, .seconds(11))
  }

  func testErrors() {
    let cases: [(listener: String, pool: String, line: Int, fragment: String)] = [
      ("    client_keepalive: yes please", "", 5, "true, false or a mapping"),
      ("    client_keepalive: 60s", "", 5, "true, false or a mapping"),
      ("    client_keepalive: { idle: 1500ms }", "", 5, "whole seconds"),
      ("    client_keepalive: { interval: 500ms }", "", 5, "whole seconds"),
      ("    client_keepalive: { idle: 32768s }", "", 5, "1s to 32767s"),
      ("    client_keepalive: { idle: 0s }", "", 5, "greater than 0"),
      ("    client_keepalive: { count: 0 }", "", 5, "count"),
      ("    client_keepalive: { count: 128 }", "", 5, "count"),
      ("    client_keepalive: { idel: 5s }", "", 5, "unknown key 'idel'"),
      ("    max_lifetime: 0s", "", 5, "greater than 0"),
      ("    max_lifetime: forever", "", 5, "duration"),
      ("    max_lifetimes: 1h", "", 5, "unknown key 'max_lifetimes'"),
      ("", "    server_keepalive: { idle: 10s, count: -1 }", 9, "count"),
      ("", "    server_keepalive: { interval: 2.5s }", 9, "interval"),
      ("", "    server_keepalive: 3", 9, "true, false or a mapping"),
    ]
    for (listener, pool, line, fragment) in cases {
      let text = listener + pool
      XCTAssertThrowsError(try ConfigLoader.parse(yaml: config(listener: listener, pool: pool), file: "t.yaml"), text) {
        error in
        let error = error as! ConfigError
        XCTAssertEqual(error.line, line, "\(text): \(error)")
        XCTAssertTrue(error.description.contains(fragment), "\(text): \(error)")
        XCTAssertTrue(error.description.contains("t.yaml:\(line)"), "\(text): \(error)")
      }
    }
  }
}
