import Glibc
import XCTest

@testable import SplicerRouting

/// Traffic mirroring end to end: a `splicer` process whose listener tees each connection's
/// client bytes to a shadow pool. The real transfers must stay byte-exact and complete
/// whatever the shadow does; a shadow that keeps up gets the same bytes.
final class MirrorTests: RelayTestCase {
  override func setUp() {
    super.setUp()
    // The shadow's replies are discarded, and a dropped mirror closes on a shadow still
    // writing them: its write must fail with EPIPE, not kill the test process.
    signal(SIGPIPE, SIG_IGN)
  }

  private func yaml(backend: UInt16, shadow: String, sample: String = "100%") -> String {
    """
    workers: 2
    listeners:
      - name: test
        bind: 127.0.0.1:0
        pool: backends
        mirror: { pool: shadow, sample: \(sample) }
    pools:
      backends:
        servers:
          - address: 127.0.0.1:\(backend)
      shadow:
        servers:
          - address: \(shadow)
    timeouts: { connect: 5s, idle: 60s }
    tuning: { pipe_size: 1MiB, pipe_pool: 0, copy_buffer: 64KiB }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  private func startRelay(backend: UInt16, shadow: String) throws -> SplicerProcess {
    try SplicerProcess(yaml: yaml(backend: backend, shadow: shadow))
  }

  private func metrics(_ relay: SplicerProcess) -> String {
    (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
  }

  private func mirrorCount(_ relay: SplicerProcess, _ result: String) -> Double {
    HostileSockets.metricSum(metrics(relay), "splicer_mirror_connections_total", labels: ["result=\"\(result)\""])
  }

  /// Waits until the mirror results add up to `total`, then returns them by result.
  private func mirrorResults(_ relay: SplicerProcess, total: Int) -> [String: Int] {
    let results = ["completed", "mirror_slow", "no_server", "connect_failed", "reset", "resources", "unfinished"]
    var counts: [String: Int] = [:]
    _ = waitUntil(30, every: 0.05) {
      counts = [:]
      for result in results {
        let value = Int(mirrorCount(relay, result))
        if value > 0 { counts[result] = value }
      }
      return counts.values.reduce(0, +) >= total
    }
    return counts
  }

  func testTwentyConnectionsArriveWholeAtTheServerAndTheShadow() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let shadow = try TestBackend()
    defer { shadow.stop() }
    let relay = try startRelay(backend: backend.port, shadow: "127.0.0.1:\(shadow.port)")
    defer { relay.stop() }
    var random = SplitMix64(seed: 0x6d69_7272_6f72)
    let specs = (0..<20).map { index in
      TransferSpec(
        requestLength: Int(random.next() % UInt64(3 << 20)), responseLength: Int(random.next() % UInt64(1 << 20)),
        seed: UInt64(500 + index))
    }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    for spec in specs {
      let copy = shadow.result(seed: spec.seed)
      XCTAssertEqual(copy?.count, spec.requestLength, "seed \(spec.seed): shadow length")
      XCTAssertEqual(
        copy?.digest, PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength).expectedDigest(),
        "seed \(spec.seed): shadow digest")
    }
    XCTAssertEqual(mirrorResults(relay, total: specs.count), ["completed": specs.count])
    let expected = specs.map { $0.requestLength + TestBackend.headerLength }.reduce(0, +)
    XCTAssertEqual(HostileSockets.metricSum(metrics(relay), "splicer_mirror_bytes_total"), Double(expected))
  }

  func testAShadowThatNeverReadsIsDroppedAsSlow() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let shadow = try TestBackend(behavior: .holdOpen)
    defer { shadow.stop() }
    let relay = try startRelay(backend: backend.port, shadow: "127.0.0.1:\(shadow.port)")
    defer { relay.stop() }
    // Far more than the shadow's socket buffers and the mirror's pipe can hold.
    let specs = [TransferSpec(requestLength: 64 << 20, responseLength: 1_000, seed: 1)]
    try assertTransfers(specs, port: relay.port(), backend: backend)
    XCTAssertEqual(mirrorResults(relay, total: 1), ["mirror_slow": 1])
  }

  func testAShadowKilledMidTransferIsDroppedAsReset() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let shadow = try TestBackend(behavior: .resetAfterReading(1 << 20))
    defer { shadow.stop() }
    let relay = try startRelay(backend: backend.port, shadow: "127.0.0.1:\(shadow.port)")
    defer { relay.stop() }
    let specs = [TransferSpec(requestLength: 32 << 20, responseLength: 1 << 20, seed: 2)]
    try assertTransfers(specs, port: relay.port(), backend: backend)
    // Which call sees the reset first decides between the two: both are drops the real
    // connection never noticed.
    let results = mirrorResults(relay, total: 1)
    XCTAssertEqual(results.values.reduce(0, +), 1)
    XCTAssertTrue(results["reset"] == 1 || results["mirror_slow"] == 1, "\(results)")
  }

  func testARefusingShadowCountsFailedConnects() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let refusing = try TestSockets.refusingPort()
    let relay = try startRelay(backend: backend.port, shadow: "127.0.0.1:\(refusing)")
    defer { relay.stop() }
    let specs = (0..<4).map { TransferSpec(requestLength: 200_000 * $0, responseLength: 5_000, seed: UInt64(10 + $0)) }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    XCTAssertEqual(mirrorResults(relay, total: specs.count), ["connect_failed": specs.count])
  }

  func testSampleMirrorsThatShareOfConnections() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let shadow = try TestBackend()
    defer { shadow.stop() }
    // One worker: the share is kept per worker.
    let config = yaml(backend: backend.port, shadow: "127.0.0.1:\(shadow.port)", sample: "25%")
      .replacingOccurrences(of: "workers: 2", with: "workers: 1")
    let relay = try SplicerProcess(yaml: config)
    defer { relay.stop() }
    for index in 0..<8 {
      try assertTransfers(
        [TransferSpec(requestLength: 10_000, responseLength: 10, seed: UInt64(40 + index))], port: relay.port(),
        backend: backend)
    }
    XCTAssertEqual(mirrorResults(relay, total: 2), ["completed": 2])
  }
}
