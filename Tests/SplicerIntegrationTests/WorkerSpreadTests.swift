import Foundation
import Glibc
import XCTest

/// Every worker has its own SO_REUSEPORT socket on the listener's address, and the kernel
/// spreads new connections over them: with `workers: 2`, both workers serve connections, as
/// the access log's `worker` field shows, and each connection is served by exactly one.
final class WorkerSpreadTests: RelayTestCase {
  func testConnectionsSpreadOverBothWorkers() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], workers: 2, admin: true))
    defer { relay.stop() }
    XCTAssertNotNil(relay.waitForLine(containing: "listener bound", and: "\"workers\":\"2\""))

    // SO_REUSEPORT picks the socket by a hash of the 4-tuple, and every connection comes from
    // a new source port. With 200 connections, the chance that one of two workers gets none
    // is 2 × 2^-200: negligible, so a worker without connections means the group is broken
    // (e.g. only the first worker's socket listens, or all joined one socket).
    let total = 200
    for batch in 0..<(total / 50) {
      let specs = (0..<50).map { index in
        TransferSpec(requestLength: 2_000, responseLength: 3_000, seed: UInt64(batch * 50 + index + 1))
      }
      try assertTransfers(specs, port: relay.port(), backend: backend)
    }
    let lines = relay.waitForClosedConnections(total)
    XCTAssertEqual(lines.count, total, "one access-log line per connection")
    var perWorker: [String: Int] = [:]
    for line in lines {
      guard let range = line.range(of: "\"worker\":\"") else {
        XCTFail("access-log line without a worker: \(line)")
        continue
      }
      perWorker[String(line[range.upperBound...].prefix { $0 != "\"" }), default: 0] += 1
    }
    XCTAssertEqual(Set(perWorker.keys), ["0", "1"], "workers that served connections: \(perWorker)")
    XCTAssertEqual(perWorker.values.reduce(0, +), total)
    XCTAssertGreaterThan(perWorker["0"] ?? 0, 0, "\(perWorker)")
    XCTAssertGreaterThan(perWorker["1"] ?? 0, 0, "\(perWorker)")

    // The proxy-wide counter agrees with the log: each connection was counted once.
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_connections_accepted_total{listener=\"test\"}"), Double(total))
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"test\",reason=\"completed\"}"),
      Double(total))
  }
}
