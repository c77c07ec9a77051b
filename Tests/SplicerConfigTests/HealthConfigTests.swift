import XCTest

@testable import SplicerConfig

final class HealthConfigTests: XCTestCase {
  private func pool(_ extra: String) -> String {
    """
    listeners:
      - { name: web, bind: "127.0.0.1:8080", pool: app }
    pools:
      app:
        servers: [{ address: "127.0.0.1:9000" }]
    \(extra)
    """
  }

  func testValidChecks() throws {
    let cases: [(String, HealthCheckConfig.Probe)] = [
      ("{ type: tcp }", .tcp),
      (
        "{ type: send_expect, send: \"PING\\r\\n\", expect: \"+PONG\" }",
        .sendExpect(send: Array("PING\r\n".utf8), expect: Array("+PONG".utf8))
      ),
      ("{ type: http }", .http(path: "/", host: nil, statuses: 200...399)),
      (
        "{ type: http, path: /health, host: api, status: 204 }",
        .http(path: "/health", host: "api", statuses: 204...204)
      ),
      ("{ type: http, status: 200-299 }", .http(path: "/", host: nil, statuses: 200...299)),
    ]
    for (text, probe) in cases {
      let configuration = try ConfigLoader.parse(yaml: pool("    health_check: \(text)"))
      XCTAssertEqual(configuration.pools[0].healthCheck?.probe, probe, text)
    }
    let full = try ConfigLoader.parse(
      yaml: pool(
        "    health_check: { type: tcp, interval: 500ms, timeout: 300ms, rise: 3, fall: 4, jitter: 20, port: 9100 }\n"
          + "    observe: { failures: 5 }\n    when_all_down: close"))
    let check = try XCTUnwrap(full.pools[0].healthCheck)
    XCTAssertEqual(check.interval, .milliseconds(500))
    XCTAssertEqual(check.timeout, .milliseconds(300))
    XCTAssertEqual([check.rise, check.fall], [3, 4])
    XCTAssertEqual(check.jitter, 0.2)
    XCTAssertEqual(check.port, 9100)
    XCTAssertEqual(full.pools[0].observe, ObserveConfig(failures: 5))
    XCTAssertEqual(full.pools[0].whenAllDown, .close)
  }

  func testErrors() {
    let cases: [(extra: String, line: Int, fragment: String)] = [
      ("    health_check: { type: ping }", 6, "unknown health check type 'ping'"),
      ("    health_check: { type: send_expect, send: x }", 6, "needs a non-empty 'expect'"),
      ("    health_check: { type: tcp, expect: x }", 6, "'expect' applies only to type"),
      ("    health_check: { type: http, path: nope }", 6, "must start with /"),
      ("    health_check: { type: http, status: 200-100 }", 6, "status code or range"),
      ("    health_check: { type: tcp, interval: 1s, timeout: 2s }", 6, "must not exceed interval"),
      ("    health_check: { type: tcp, rise: 0 }", 6, "rise"),
      ("    health_check: { type: tcp, jitter: 80 }", 6, "jitter"),
      ("    health_check: { interval: 1s }", 6, "type"),
      ("    observe: { failures: 3 }", 6, "'observe' needs a 'health_check'"),
      ("    when_all_down: { respond_file: relative.http }", 6, "absolute path"),
      ("    when_all_down: { respond_file: /nonexistent/503.http }", 6, "No such file"),
      ("    when_all_down: open", 6, "expected 'close'"),
    ]
    for (extra, line, fragment) in cases {
      XCTAssertThrowsError(try ConfigLoader.parse(yaml: pool(extra), file: "t.yaml"), extra) { error in
        let error = error as! ConfigError
        XCTAssertEqual(error.line, line, "\(extra): \(error)")
        XCTAssertTrue(error.description.contains(fragment), "\(extra): \(error)")
      }
    }
  }
}
