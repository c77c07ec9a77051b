import Foundation
import Glibc
import XCTest

/// Bandwidth limits (`rate_limit`) through the real binary on loopback. A limit is a promise
/// that a transfer takes at least so long, so the tests assert only lower bounds on time, with
/// half the ideal as margin: load on the machine can only make a transfer slower. None
/// asserts that anything is fast.
final class RateLimitTests: RelayTestCase {
  /// 8 Mbit/s: 1 MB/s, so 4 MiB take at least 4.2 s when paced; the tests ask for 2.
  static let rate = "8Mbit/s"
  static let floorSeconds = 2.0

  private func yaml(_ backend: TestBackend, rateLimit: String, admin: Bool = false) -> String {
    let yaml = TestConfig.yaml(servers: [backend.port], admin: admin).replacingOccurrences(
      of: "    mode: splice\n", with: "    mode: splice\n    rate_limit: \(rateLimit)\n")
    XCTAssertTrue(yaml.contains("rate_limit"), yaml)
    return yaml
  }

  private func relay(to backend: TestBackend, rateLimit: String) throws -> SplicerProcess {
    try SplicerProcess(yaml: yaml(backend, rateLimit: rateLimit))
  }

  /// Runs `specs` to the end, checking every byte, and returns the seconds that took.
  private func timedTransfers(_ specs: [TransferSpec], _ relay: SplicerProcess, _ backend: TestBackend) throws
    -> Double
  {
    let start = TestClock.now()
    try assertTransfers(specs, port: relay.port(), backend: backend)
    return TestClock.now() - start
  }

  /// The client socket is paced. The listener sets the cap once on its listening socket and
  /// the session makes no call of its own, so this also shows that accepted sockets inherit it.
  func testDownloadLimitPacesServerToClient() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(to: backend, rateLimit: "{ download: \(Self.rate) }")
    defer { relay.stop() }
    let seconds = try timedTransfers(
      [TransferSpec(requestLength: 0, responseLength: 4 << 20, seed: 1)], relay, backend)
    XCTAssertGreaterThanOrEqual(seconds, Self.floorSeconds, "4 MiB down at \(Self.rate)")
  }

  /// The server socket is paced, set by the session once connected.
  func testUploadLimitPacesClientToServer() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(to: backend, rateLimit: "{ upload: \(Self.rate) }")
    defer { relay.stop() }
    let seconds = try timedTransfers(
      [TransferSpec(requestLength: 4 << 20, responseLength: 0, seed: 2)], relay, backend)
    XCTAssertGreaterThanOrEqual(seconds, Self.floorSeconds, "4 MiB up at \(Self.rate)")
  }

  /// A download limit leaves uploads alone and the other way round: the unlimited direction
  /// of the same connection is not held back by the other's cap (no lower bound asserted on
  /// it; only that the whole exchange completes intact).
  func testLimitsInBothDirectionsKeepTheBytesIntact() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(to: backend, rateLimit: "{ download: 80Mbit/s, upload: 80Mbit/s }")
    defer { relay.stop() }
    let specs = (0..<4).map { TransferSpec(requestLength: 1 << 20, responseLength: 1 << 20, seed: UInt64(10 + $0)) }
    _ = try timedTransfers(specs, relay, backend)
    XCTAssertEqual(relay.waitForClosedConnections(specs.count).count, specs.count)
    XCTAssertEqual(Set(closeReasons(relay)), ["completed"])
  }

  /// Two connections share `listener_total`: together they take at least as long as the
  /// total allows, and neither is starved. Each has no limit of its own.
  func testListenerTotalIsSharedByItsConnections() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(to: backend, rateLimit: "{ listener_total: \(Self.rate) }")
    defer { relay.stop() }
    let specs = (0..<2).map { TransferSpec(requestLength: 0, responseLength: 2 << 20, seed: UInt64(20 + $0)) }
    let clients = try connectClients(specs, port: relay.port())
    let start = TestClock.now()
    var atFirstDone: [Int]? = nil
    let finished = PollDriver.run(clients, timeoutSeconds: 120) {
      if atFirstDone == nil, clients.contains(where: \.done) {
        atFirstDone = clients.map(\.received.byteCount)
      }
    }
    let seconds = TestClock.now() - start
    XCTAssertTrue(finished, "transfers did not finish")
    assertResults(specs, clients, backend: backend)
    XCTAssertGreaterThanOrEqual(seconds, Self.floorSeconds, "2 × 2 MiB down sharing \(Self.rate)")
    // When the first connection had all its bytes, the other had a fair part of the total
    // (ideally as much; a quarter allows for the lag of the re-division, and for a busy test).
    let counts = try XCTUnwrap(atFirstDone)
    let total = counts.reduce(0, +)
    for (index, count) in counts.enumerated() {
      XCTAssertGreaterThanOrEqual(count * 4, total, "connection \(index) got \(count) of \(total) bytes")
    }
  }

  /// A per-connection limit below the share wins: with a total far above it, two connections
  /// each still take as long as their own limit says.
  func testPerConnectionLimitBelowTheShareWins() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relay(to: backend, rateLimit: "{ download: \(Self.rate), listener_total: 1Gbit/s }")
    defer { relay.stop() }
    let specs = (0..<2).map { TransferSpec(requestLength: 0, responseLength: 4 << 20, seed: UInt64(30 + $0)) }
    let seconds = try timedTransfers(specs, relay, backend)
    XCTAssertGreaterThanOrEqual(seconds, Self.floorSeconds, "4 MiB down at \(Self.rate) each")
  }

  /// The configured limits are exported as gauges; a reload that removes one sets it to 0.
  func testLimitsAreExportedAsGauges() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: yaml(backend, rateLimit: "{ download: 100Mbit/s, listener_total: 1Gbit/s }", admin: true))
    defer { relay.stop() }
    func gauge(_ direction: String) throws -> Double? {
      let scrape = try HTTPGet.get(port: relay.port("admin"), path: "/metrics")
      return HTTPGet.sample(
        scrape.body, "splicer_listener_rate_limit_bytes_per_second{listener=\"test\",direction=\"\(direction)\"}")
    }
    XCTAssertEqual(try gauge("download"), 12_500_000)
    XCTAssertNil(try gauge("upload"), "no series for a direction without a limit")
    XCTAssertEqual(try gauge("listener_total"), 125_000_000)

    XCTAssertTrue(try relay.reload(with: yaml(backend, rateLimit: "{ upload: 10MiB/s }", admin: true)))
    XCTAssertEqual(try gauge("download"), 0)
    XCTAssertEqual(try gauge("upload"), 10_485_760)
    XCTAssertEqual(try gauge("listener_total"), 0)
  }

  /// A reload that lowers `listener_total` slows a connection already relaying: the rest of
  /// its transfer takes at least as long as the new total allows. (Were the open connection
  /// left at its old share, the rest would take a fifth of that.)
  func testReloadedTotalReachesAnOpenConnection() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: yaml(backend, rateLimit: "{ listener_total: 40Mbit/s }"))
    defer { relay.stop() }
    let spec = TransferSpec(requestLength: 0, responseLength: 8 << 20, seed: 40)
    let clients = try connectClients([spec], port: relay.port())
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { scratch.deallocate() }
    let started = waitUntil(60, every: 0) {
      _ = PollDriver.round(clients.filter { !$0.done }, scratch: scratch)
      return clients[0].received.byteCount >= 1 << 20
    }
    XCTAssertNotNil(started, "the first MiB never arrived")
    XCTAssertTrue(try relay.reload(with: yaml(backend, rateLimit: "{ listener_total: \(Self.rate) }")))
    let start = TestClock.now()
    XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 120), "the transfer did not finish")
    let seconds = TestClock.now() - start
    assertResults([spec], clients, backend: backend)
    // At most 7 MiB were left at the reload; unless the client read some of them while the
    // reload was under way (at the old 5 MB/s), they take 7 s at 1 MB/s.
    XCTAssertGreaterThanOrEqual(seconds, Self.floorSeconds, "the rest after the reload, at \(Self.rate)")
  }
}
