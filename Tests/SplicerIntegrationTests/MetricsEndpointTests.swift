import Foundation
import Glibc
import XCTest

/// The admin endpoint of a real relay: exact counter values after known traffic, the
/// Prometheus text format as promtool reads it, and a real Prometheus server scraping it.
final class MetricsEndpointTests: RelayTestCase {
  func testCountersMatchTheTrafficExactly() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let refused = try TestSockets.refusingPort()
    let relay = try SplicerProcess(
      yaml: TestConfig.yaml(servers: [backend.port, refused], workers: 2, retries: 1, admin: true))
    defer { relay.stop() }
    let specs = (0..<10).map {
      TransferSpec(requestLength: 1_000 * ($0 + 1), responseLength: 7_000, seed: UInt64($0 + 1))
    }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    relay.waitForClosedConnections(specs.count)
    let scrape = try HTTPGet.get(port: relay.port("admin"), path: "/metrics")
    XCTAssertEqual(scrape.status, 200)
    XCTAssertTrue(scrape.headers.contains("text/plain; version=0.0.4"))
    let text = scrape.body
    let requestBytes = specs.reduce(0) { $0 + $1.requestLength + TestBackend.headerLength }
    let responseBytes = specs.reduce(0) { $0 + $1.responseLength }
    let expectations: [(String, Double)] = [
      ("splicer_connections_accepted_total{listener=\"test\"}", 10),
      ("splicer_connections_closed_total{listener=\"test\",reason=\"completed\"}", 10),
      ("splicer_connections_closed_total{listener=\"test\",reason=\"connect_failed\"}", 0),
      ("splicer_connections_active{listener=\"test\"}", 0),
      ("splicer_bytes_total{listener=\"test\",direction=\"client_to_server\"}", Double(requestBytes)),
      ("splicer_bytes_total{listener=\"test\",direction=\"server_to_client\"}", Double(responseBytes)),
      ("splicer_spliced_bytes_total", Double(requestBytes + responseBytes)),
      ("splicer_copied_bytes_total", 0),
      ("splicer_splice_fallbacks_total{reason=\"pipe_unavailable\"}", 0),
      ("splicer_pipes_in_use", 0),
      ("splicer_workers", 2),
      (
        "splicer_server_bytes_total{pool=\"backends\",server=\"127.0.0.1:\(backend.port)\",direction=\"server_to_client\"}",
        Double(responseBytes)
      ),
      ("splicer_connect_duration_seconds_count{pool=\"backends\",server=\"127.0.0.1:\(backend.port)\"}", 10),
      ("splicer_connection_duration_seconds_count{listener=\"test\"}", 10),
    ]
    for (series, value) in expectations {
      XCTAssertEqual(HTTPGet.sample(text, series), value, series)
    }
    // Round robin sent some first attempts to the refused server; every one was retried.
    let refusedSeries =
      "splicer_server_connect_failures_total{pool=\"backends\",server=\"127.0.0.1:\(refused)\",reason=\"refused\"}"
    let attempts = "splicer_server_connect_attempts_total{pool=\"backends\",server=\"127.0.0.1:\(refused)\"}"
    XCTAssertEqual(HTTPGet.sample(text, refusedSeries), HTTPGet.sample(text, attempts))
    XCTAssertGreaterThan(HTTPGet.sample(text, refusedSeries) ?? 0, 0)
    XCTAssertGreaterThan(HTTPGet.sample(text, "process_open_fds") ?? 0, 0)

    if let promtool = ExternalProcess.find("promtool") {
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
      try Data(text.utf8).write(to: file)
      defer { try? FileManager.default.removeItem(at: file) }
      let (status, output) = try ExternalProcess.run(
        "/bin/sh", ["-c", "\(promtool) check metrics < \(file.path) 2>&1"])
      XCTAssertEqual(status, 0, "promtool: \(String(decoding: output, as: UTF8.self))")
    }
  }

  func testOneGibibyteIsSplicedAndNothingCopied() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    let size = 1 << 30
    try assertTransfers(
      [TransferSpec(requestLength: size, responseLength: 0, seed: 3)], port: relay.port(), backend: backend)
    relay.waitForClosedConnections(1)
    let text = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HTTPGet.sample(text, "splicer_copied_bytes_total"), 0)
    XCTAssertGreaterThanOrEqual(HTTPGet.sample(text, "splicer_spliced_bytes_total") ?? 0, Double(size))
    XCTAssertEqual(HTTPGet.sample(text, "splicer_splice_fallbacks_total{reason=\"splice_unsupported\"}"), 0)
    XCTAssertEqual(HTTPGet.sample(text, "splicer_splice_fallbacks_total{reason=\"pipe_unavailable\"}"), 0)
  }

  func testHealthStatusAndRefusals() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    let admin = relay.port("admin")
    XCTAssertEqual(try HTTPGet.get(port: admin, path: "/healthz").status, 200)
    let status = try HTTPGet.get(port: admin, path: "/status")
    XCTAssertEqual(status.status, 200)
    let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
    let listeners = json?["listeners"] as? [[String: Any]]
    XCTAssertEqual(listeners?.first?["name"] as? String, "test")
    XCTAssertEqual(listeners?.first?["address"] as? String, "127.0.0.1:\(relay.port())")
    let pools = json?["pools"] as? [[String: Any]]
    XCTAssertEqual(
      (pools?.first?["servers"] as? [[String: Any]])?.first?["address"] as? String, "127.0.0.1:\(backend.port)")
    XCTAssertEqual(try HTTPGet.get(port: admin, path: "/nope").status, 404)
    XCTAssertEqual(try HTTPGet.get(port: admin, path: "/metrics", method: "POST").status, 405)
    let large = String(repeating: "x", count: 10_000)
    XCTAssertEqual(try HTTPGet.get(port: admin, path: "/metrics", method: "GET", body: large).status, 413)
    // Garbage instead of HTTP gets a 400 and a close, and the endpoint keeps serving.
    let fd = try TestSockets.connect(port: admin, nonblocking: false)
    let garbage = Array("\u{1}\u{2} NOT HTTP\r\n\r\n".utf8)
    _ = garbage.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    let (reply, _) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
    close(fd)
    XCTAssertTrue(String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 400"))
    XCTAssertEqual(try HTTPGet.get(port: admin, path: "/healthz").status, 200)
  }

  func testPrometheusScrapesTheEndpoint() throws {
    guard let prometheus = ExternalProcess.find("prometheus") else {
      throw XCTSkip("prometheus is not installed (scripts/test.sh installs it)")
    }
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    try assertTransfers(
      [TransferSpec(requestLength: 5_000, responseLength: 5_000, seed: 9)], port: relay.port(), backend: backend)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = """
      global: { scrape_interval: 1s, evaluation_interval: 1s }
      scrape_configs:
        - job_name: splicer
          static_configs: [{ targets: ["127.0.0.1:\(relay.port("admin"))"] }]
      """
    try config.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
    let server = try ExternalProcess(
      prometheus,
      [
        "--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/data",
        "--web.listen-address=127.0.0.1:0",
      ])
    defer { server.terminate() }
    let webPort = try XCTUnwrap(ListeningPorts.port(of: server.process.processIdentifier), "Prometheus did not start")
    // Wait (bounded) until Prometheus has scraped at least once and answers the query.
    let found: [[String: Any]] =
      waitFor(60, every: 0.25) {
        guard
          let reply = try? HTTPGet.get(port: webPort, path: "/api/v1/query?query=splicer_connections_accepted_total"),
          reply.status == 200,
          let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
          let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]], !result.isEmpty
        else { return nil }
        return result
      } ?? []
    XCTAssertEqual(found.count, 1, "Prometheus returned no splicer series")
    let value = (found.first?["value"] as? [Any])?.last as? String
    XCTAssertEqual(value, "1")
    let labels = found.first?["metric"] as? [String: String]
    XCTAssertEqual(labels?["listener"], "test")
    XCTAssertEqual(labels?["job"], "splicer")
  }
}
