import Foundation
import Glibc
import XCTest

/// TCP_INFO at close through the real binary: each access-log line of a relayed connection
/// carries both sockets' round-trip estimates and retransmits, and /metrics has the per-server
/// RTT histogram with one observation per connection, also without the access log.
final class TCPInfoTests: RelayTestCase {
  private func relay(backend: TestBackend, accessLog: Bool) throws -> SplicerProcess {
    try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: "127.0.0.1:0", pool: app }]
        pools:
          app: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        log: { level: info, format: json, access_log: \(accessLog) }
        admin: { bind: 127.0.0.1:0 }
        """)
  }

  func testRelayedConnectionsLogRoundTripTimesAndFeedTheHistogram() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(backend: backend, accessLog: true)
    defer { relay.stop() }
    let specs = (0..<3).map { TransferSpec(requestLength: 200_000, responseLength: 2 << 20, seed: 90 + UInt64($0)) }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    let lines = relay.waitForClosedConnections(specs.count)
    XCTAssertEqual(lines.count, specs.count)
    for line in lines {
      for key in ["client_rtt_ms", "client_rttvar_ms", "server_rtt_ms", "server_rttvar_ms"] {
        let value = try XCTUnwrap(Self.number(key, in: line), "no \(key) in \(line)")
        XCTAssertGreaterThan(value, 0, "\(key) in \(line)")
      }
      for key in ["client_retrans", "server_retrans"] {
        XCTAssertNotNil(Self.number(key, in: line), "no \(key) in \(line)")
      }
    }
    let server = "pool=\"app\",server=\"127.0.0.1:\(backend.port)\""
    let text = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HTTPGet.sample(text, "splicer_server_rtt_seconds_count{\(server)}"), Double(specs.count))
    XCTAssertGreaterThan(HTTPGet.sample(text, "splicer_server_rtt_seconds_sum{\(server)}") ?? 0, 0)
    XCTAssertEqual(
      HTTPGet.sample(text, "splicer_server_rtt_seconds_bucket{\(server),le=\"1.0\"}"), Double(specs.count), text)
  }

  func testTheHistogramCountsWithoutTheAccessLog() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(backend: backend, accessLog: false)
    defer { relay.stop() }
    let spec = TransferSpec(requestLength: 1_000, responseLength: 1_000, seed: 95)
    try assertTransfers([spec], port: relay.port(), backend: backend)
    let series = "splicer_server_rtt_seconds_count{pool=\"app\",server=\"127.0.0.1:\(backend.port)\"}"
    // The close is counted just after the client saw its end of stream: wait for the scrape.
    var count: Double?
    _ = waitUntil(10) {
      count = HTTPGet.sample((try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? "", series)
      return count == 1
    }
    XCTAssertEqual(count, 1)
  }

  /// The number in `"key":"value"` of a JSON access-log line.
  static func number(_ key: String, in line: String) -> Double? {
    guard let range = line.range(of: "\"\(key)\":\"") else { return nil }
    return Double(line[range.upperBound...].prefix { $0 != "\"" })
  }
}
