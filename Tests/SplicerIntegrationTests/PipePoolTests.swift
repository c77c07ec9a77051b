import Foundation
import Glibc
import XCTest

/// Pipes on a splice listener: empty pipes go back to the worker's pool (`tuning.pipe_pool`)
/// and are leased again instead of created anew; at `tuning.max_pipes` a read goes through a
/// copy buffer instead, counted as a `pipe_unavailable` fallback, and no byte is lost.
final class PipePoolTests: RelayTestCase {
  private func relay(backend: TestBackend, tuning: String) throws -> SplicerProcess {
    try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        tuning: \(tuning)
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
  }

  private func metric(_ relay: SplicerProcess, _ series: String) -> Double? {
    HTTPGet.sample((try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? "", series)
  }

  /// Runs `count` transfers one after another, each until its access-log line is out.
  private func sequentialTransfers(
    _ relay: SplicerProcess, _ backend: TestBackend, seeds: Range<Int>, closedBefore: Int
  ) throws {
    for (offset, seed) in seeds.enumerated() {
      try assertTransfers(
        [TransferSpec(requestLength: 400_000, responseLength: 900_000, seed: UInt64(seed))], port: relay.port(),
        backend: backend)
      relay.waitForClosedConnections(closedBefore + offset + 1)
    }
  }

  /// With one worker and one connection at a time, each connection leases at most two pipes
  /// (one per direction), so with a pool of 8 ten connections in a row create at most two
  /// pipes in all. How many a round needs depends on timing: a round whose request and
  /// response never overlapped needs one, and the next round may then create the second.
  func testEmptyPipesArePooledAndReused() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(backend: backend, tuning: "{ pipe_size: 64KiB, pipe_pool: 8 }")
    defer { relay.stop() }
    try sequentialTransfers(relay, backend, seeds: 1..<6, closedBefore: 0)
    XCTAssertNotNil(waitUntil(30) { self.metric(relay, "splicer_pipes_in_use") == 0 })
    let pooled = metric(relay, "splicer_pipes_pooled") ?? 0
    let created = metric(relay, "splicer_pipes_created_total") ?? 0
    XCTAssertGreaterThan(pooled, 0, "no empty pipe was kept for reuse")
    XCTAssertGreaterThan(created, 0, "splice mode created no pipe at all")
    XCTAssertLessThanOrEqual(created, 2, "one connection at a time needs at most two pipes when they are reused")
    XCTAssertEqual(pooled, created, "every pipe created went back to the pool once empty")

    try sequentialTransfers(relay, backend, seeds: 6..<11, closedBefore: 5)
    XCTAssertNotNil(waitUntil(30) { self.metric(relay, "splicer_pipes_in_use") == 0 })
    let createdInAll = metric(relay, "splicer_pipes_created_total") ?? 0
    XCTAssertLessThanOrEqual(createdInAll, 2, "ten connections one at a time created pipes instead of reusing them")
    XCTAssertEqual(metric(relay, "splicer_pipes_pooled"), createdInAll, "a pipe did not go back to the pool")
    XCTAssertEqual(metric(relay, "splicer_copied_bytes_total"), 0)
    XCTAssertEqual(metric(relay, "splicer_splice_fallbacks_total{reason=\"pipe_unavailable\"}"), 0)
  }

  /// One pipe for a worker with 16 busy connections: most reads find no pipe and copy
  /// instead. Every byte still arrives, and the fallbacks are counted.
  func testMaxPipesReachedFallsBackToCopyingByteExact() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(backend: backend, tuning: "{ pipe_size: 64KiB, pipe_pool: 0, max_pipes: 1 }")
    defer { relay.stop() }
    let specs = (1...16).map {
      TransferSpec(requestLength: 1_500_000 + $0 * 1_001, responseLength: 2_000_000 + $0 * 997, seed: UInt64($0))
    }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    relay.waitForClosedConnections(specs.count)
    XCTAssertEqual(closeReasons(relay).filter { $0 == "completed" }.count, specs.count, "\(closeReasons(relay))")

    let fallbacks = metric(relay, "splicer_splice_fallbacks_total{reason=\"pipe_unavailable\"}") ?? 0
    XCTAssertGreaterThan(fallbacks, 0, "32 busy directions shared one pipe without a counted fallback")
    let copied = metric(relay, "splicer_copied_bytes_total") ?? 0
    let spliced = metric(relay, "splicer_spliced_bytes_total") ?? 0
    XCTAssertGreaterThan(copied, 0)
    let total = specs.reduce(0) { $0 + $1.requestLength + $1.responseLength + TestBackend.headerLength }
    XCTAssertEqual(copied + spliced, Double(total), "every byte went through exactly one of the two paths")
    XCTAssertEqual(metric(relay, "splicer_splice_fallbacks_total{reason=\"splice_unsupported\"}"), 0)
  }
}
