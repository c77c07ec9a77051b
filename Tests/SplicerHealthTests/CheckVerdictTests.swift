import SplicerConfig
import XCTest

@testable import SplicerHealth

/// How each kind of check judges the reply that has arrived so far, without sockets.
final class CheckVerdictTests: XCTestCase {
  private static let ping = HealthCheckConfig.Probe.sendExpect(
    send: Array("PING\r\n".utf8), expect: Array("+PONG".utf8))
  private static let http = HealthCheckConfig.Probe.http(path: "/health", host: nil, statuses: 200...399)

  /// (probe, reply so far, server closed, expected verdict: nil = undecided, else pass/fail and detail)
  func testVerdicts() {
    let cases: [(probe: HealthCheckConfig.Probe, reply: String, complete: Bool, verdict: (Bool, String)?)] = [
      (.tcp, "", false, (true, "connected")),
      (Self.ping, "", false, nil),
      (Self.ping, "+PO", false, nil),
      (Self.ping, "xx+PONG\r\n", false, (true, "reply matched")),
      (Self.ping, "-ERR\r\n", false, nil),  // the expected bytes may still come
      (Self.ping, "-ERR\r\n", true, (false, "reply did not contain the expected bytes")),
      (Self.ping, "", true, (false, "reply did not contain the expected bytes")),
      (Self.http, "HTTP/1.1 20", false, nil),
      (Self.http, "HTTP/1.1 200 OK\r\n", false, (true, "HTTP 200")),
      (Self.http, "HTTP/1.1 399 X\r\n", false, (true, "HTTP 399")),
      (Self.http, "HTTP/1.1 503 Service Unavailable\r\n", false, (false, "HTTP 503")),
      (Self.http, "SSH-2.0-OpenSSH\r\n", false, (false, "not an HTTP response")),
      (Self.http, "HTTP/1.1 200 OK", true, (false, "not an HTTP response")),
      (Self.http, "", true, (false, "not an HTTP response")),
    ]
    for row in cases {
      let verdict = CheckVerdict.judge(row.probe, reply: Array(row.reply.utf8), complete: row.complete)
      let expected = row.verdict.map { CheckVerdict(success: $0.0, detail: $0.1) }
      XCTAssertEqual(verdict, expected, "\(row.probe) on \(row.reply.debugDescription), complete: \(row.complete)")
    }
  }
}
