import Foundation
import Glibc
import XCTest

/// What the binary writes to stderr: `log.format: logfmt` gives `key=value` lines (access log
/// included) and no JSON; `log.access_log: false` silences the per-connection line while the
/// counters still count, and a reload that sets it back to true brings the line back.
final class LogOutputTests: RelayTestCase {
  /// The value of `key=` in a logfmt line, unquoting a quoted value.
  private func logfmtValue(_ key: String, in line: String) -> String? {
    guard let range = line.range(of: " \(key)=") ?? (line.hasPrefix("\(key)=") ? line.range(of: "\(key)=") : nil)
    else { return nil }
    let rest = line[range.upperBound...]
    if rest.first == "\"" {
      return String(rest.dropFirst().prefix { $0 != "\"" })
    }
    return String(rest.prefix { $0 != " " })
  }

  func testLogfmtFormatWritesKeyValueLinesIncludingTheAccessLog() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    // No listener to wait for in JSON: this test reads the logfmt lines itself.
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
        pools:
          app: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        log: { level: info, format: logfmt, access_log: true }
        """, listeners: [])
    defer { relay.stop() }
    let bound = relay.waitForLine(containing: "message=\"listener bound\"", and: "listener=test", timeoutSeconds: 30)
    XCTAssertNotNil(bound, relay.allLines().joined(separator: "\n"))
    XCTAssertNotNil(relay.waitForLine(containing: "message=\"splicer started\"", timeoutSeconds: 30))
    let address = bound.flatMap { logfmtValue("address", in: $0) } ?? ""
    let port = try XCTUnwrap(UInt16(address.split(separator: ":").last ?? ""), "no address in \(bound ?? "")")

    let spec = TransferSpec(requestLength: 123_456, responseLength: 654_321, seed: 1)
    try assertTransfers([spec], port: port, backend: backend)
    let line = try XCTUnwrap(relay.waitForLine(containing: "message=\"connection closed\""))
    XCTAssertTrue(line.hasPrefix("time="), line)
    XCTAssertEqual(logfmtValue("level", in: line), "info")
    XCTAssertEqual(logfmtValue("reason", in: line), "completed")
    XCTAssertEqual(logfmtValue("listener", in: line), "test")
    XCTAssertEqual(logfmtValue("pool", in: line), "app")
    XCTAssertEqual(logfmtValue("server", in: line), "127.0.0.1:\(backend.port)")
    XCTAssertEqual(logfmtValue("bytes_to_server", in: line), "\(spec.requestLength + TestBackend.headerLength)")
    XCTAssertEqual(logfmtValue("bytes_to_client", in: line), "\(spec.responseLength)")
    XCTAssertEqual(logfmtValue("worker", in: line), "0")
    let lines = relay.allLines()
    XCTAssertFalse(lines.contains { $0.hasPrefix("{") }, "a JSON line in logfmt output: \(lines)")
    XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("time=") }, "\(lines)")
  }

  func testAccessLogFalseWritesNoConnectionLinesUntilAReloadTurnsItOn() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let config = { (accessLog: Bool) in
      """
      workers: 2
      listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
      pools:
        app: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
      log: { level: info, format: json, access_log: \(accessLog) }
      admin: { bind: 127.0.0.1:0 }
      """
    }
    let relay = try SplicerProcess(yaml: config(false))
    defer { relay.stop() }
    let completed = "splicer_connections_closed_total{listener=\"test\",reason=\"completed\"}"
    let metric = {
      HTTPGet.sample((try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? "", completed)
    }

    let quiet = (1...5).map { TransferSpec(requestLength: 10_000, responseLength: 20_000, seed: UInt64($0)) }
    try assertTransfers(quiet, port: relay.port(), backend: backend)
    // The counter, not the log, says when the five have closed.
    XCTAssertNotNil(waitUntil(30) { metric() == Double(quiet.count) })
    XCTAssertEqual(relay.lineCount(containing: "\"message\":\"connection closed\""), 0, "access_log: false logged")
    XCTAssertFalse(relay.allLines().contains { $0.contains("\"level\":\"info\"") }, "\(relay.allLines())")

    // A reload applies access_log to connections that close from then on.
    XCTAssertTrue(try relay.reload(with: config(true)))
    let spec = TransferSpec(requestLength: 777, responseLength: 888, seed: 9)
    try assertTransfers([spec], port: relay.port(), backend: backend)
    let lines = relay.waitForClosedConnections(1)
    XCTAssertNotNil(waitUntil(30) { metric() == Double(quiet.count + 1) })
    XCTAssertEqual(lines.count, 1, "only the connection after the reload is logged: \(lines)")
    XCTAssertTrue(lines.first?.contains("\"bytes_to_client\":\"888\"") ?? false, lines.first ?? "")
    XCTAssertEqual(relay.lineCount(containing: "\"message\":\"connection closed\""), 1)
  }
}
