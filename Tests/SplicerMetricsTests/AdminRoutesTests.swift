import Foundation
import Logging
import SplicerConfig
import SplicerCore
import XCTest

@testable import SplicerMetrics

/// The admin routes against a bound but idle proxy: every route, every refusal, and the
/// exposition's shape, without HTTP.
final class AdminRoutesTests: XCTestCase {
  private var proxy: ProxyServer!
  private var routes: AdminRoutes!

  override func setUpWithError() throws {
    let source = ConfigSource(
      yaml: """
        workers: 2
        listeners:
          - { name: web, bind: "127.0.0.1:0", pool: app }
        pools:
          app:
            servers: [{ address: "127.0.0.1:9" }, { address: "[::1]:9" }]
        """)
    let generation = ConfigGeneration(
      number: 1, source: source, configuration: try ConfigLoader.load(source: source))
    proxy = try ProxyServer(generation: generation, logger: Logger(label: "test"))
    routes = AdminRoutes(
      proxy: proxy, exporter: MetricsExporter(), version: "9.9.9",
      extraSeries: { [ExtraSeries(name: "extra_total", help: "An extra.", labels: [], kind: .counter, value: 3)] })
  }

  override func tearDown() {
    proxy.stop()
  }

  private func text(_ response: AdminRoutes.Response) -> String {
    String(decoding: response.body, as: UTF8.self)
  }

  func testRoutesAndRefusals() {
    let cases: [(method: String, uri: String, status: Int)] = [
      ("GET", "/metrics", 200), ("HEAD", "/metrics", 200), ("GET", "/metrics?x=1", 200), ("GET", "/healthz", 200),
      ("GET", "/status", 200), ("GET", "/", 404), ("GET", "/metricsx", 404), ("GET", "/../metrics", 404),
      ("POST", "/metrics", 405), ("DELETE", "/status", 405), ("PUT", "/nope", 404),
    ]
    for (method, uri, status) in cases {
      XCTAssertEqual(routes.respond(method: method, uri: uri).status, status, "\(method) \(uri)")
    }
    XCTAssertEqual(routes.respond(method: "POST", uri: "/healthz").extraHeaders.first?.1, "GET, HEAD")
  }

  func testHealthzTurnsUnavailableWhileDraining() {
    XCTAssertEqual(text(routes.respond(method: "GET", uri: "/healthz")), "ok\n")
    proxy.beginDrain()
    let response = routes.respond(method: "GET", uri: "/healthz")
    XCTAssertEqual(response.status, 503)
    XCTAssertEqual(text(response), "draining\n")
  }

  func testExpositionHasEverySeriesOnceWithHelpAndType() {
    let exposition = text(routes.respond(method: "GET", uri: "/metrics"))
    let lines = exposition.split(separator: "\n").map(String.init)
    for name in [
      "splicer_connections_accepted_total", "splicer_connections_closed_total", "splicer_bytes_total",
      "splicer_server_connect_attempts_total", "splicer_spliced_bytes_total", "splicer_copied_bytes_total",
      "splicer_splice_fallbacks_total", "splicer_pipes_in_use", "process_open_fds", "extra_total",
    ] {
      XCTAssertEqual(
        lines.filter { $0 == "# TYPE \(name) " + (name.hasSuffix("_total") ? "counter" : "gauge") }.count, 1, name)
      XCTAssertEqual(lines.filter { $0.hasPrefix("# HELP \(name) ") }.count, 1, name)
    }
    XCTAssertTrue(lines.contains("splicer_connections_accepted_total{listener=\"web\"} 0"))
    XCTAssertTrue(lines.contains("splicer_server_connect_attempts_total{pool=\"app\",server=\"[::1]:9\"} 0"))
    XCTAssertTrue(lines.contains("splicer_workers 2.0"))
    XCTAssertTrue(lines.contains("extra_total 3"))
    // Every close reason is present from the start, so rate() works before the first close.
    for reason in CloseReason.allCases {
      XCTAssertTrue(
        lines.contains("splicer_connections_closed_total{listener=\"web\",reason=\"\(reason)\"} 0"), "\(reason)")
    }
  }

  func testCountersOnlyMoveForwardAcrossScrapes() {
    let registry = MetricsExporter().registry
    var state = ExporterState()
    for total in [5.0, 5.0, 9.0, 7.0, 12.0] {
      state.counter("things_total", "Things.", total: total, registry: registry)
    }
    // 5, then +4, a lower sum is ignored, then +3 from the last value seen (9): 12.
    XCTAssertTrue(registry.emitToString().contains("things_total 12"))
  }

  func testStatusListsTheConfiguredListenersAndServers() throws {
    let json = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(routes.respond(method: "GET", uri: "/status").body)) as? [String: Any]
    )
    XCTAssertEqual(json["version"] as? String, "9.9.9")
    XCTAssertEqual(json["workers"] as? Int, 2)
    let listeners = try XCTUnwrap(json["listeners"] as? [[String: Any]])
    XCTAssertEqual(listeners.map { $0["name"] as? String }, ["web"])
    XCTAssertEqual(listeners.first?["pool"] as? String, "app")
    let servers = try XCTUnwrap((json["pools"] as? [[String: Any]])?.first?["servers"] as? [[String: Any]])
    XCTAssertEqual(servers.map { $0["address"] as? String }, ["127.0.0.1:9", "[::1]:9"])
    XCTAssertEqual(servers.map { $0["state"] as? String }, ["up", "up"])
  }
}
