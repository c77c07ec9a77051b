import Foundation
import Glibc
import XCTest

/// `splicer_pipe_size_bytes` is a capacity, set by every worker to what the kernel granted its
/// latest pipe: the proxy's value is that capacity, not the workers' values added up.
final class PipeSizeMetricTests: RelayTestCase {
  func testPipeSizeIsTheGrantedCapacityWhateverTheNumberOfWorkers() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        tuning: { pipe_size: 256KiB, pipe_pool: 4 }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    // Enough connections that SO_REUSEPORT gives both workers some (each then creates pipes);
    // the access log's `worker` field shows that it did.
    let specs = (0..<40).map { TransferSpec(requestLength: 300_000, responseLength: 300_000, seed: 900 + UInt64($0)) }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    let workers = Set(
      relay.waitForClosedConnections(specs.count).compactMap { line -> String? in
        guard let range = line.range(of: "\"worker\":\"") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != "\"" })
      })
    XCTAssertEqual(workers, ["0", "1"], "both workers must have relayed (and created pipes) for the test to hold")
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_pipe_size_bytes"), Double(256 << 10))
  }
}
