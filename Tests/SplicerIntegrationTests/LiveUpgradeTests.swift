import Foundation
import Glibc
import XCTest

/// The live upgrade end to end against the real binary: `splicer upgrade --pid` (or SIGUSR2)
/// starts the same binary as a new process, which takes over every listener and session
/// while the transfers run. Every byte must arrive both ways, the old process must exit 0,
/// the new one must serve and, once the clients are gone, hold what a fresh process holds.
final class LiveUpgradeTests: RelayTestCase {
  /// A relay with two listeners: `test` in front of `main`, and `limited` in front of a
  /// server that takes two connections at a time, so that the rest wait in the pool's queue.
  static func yaml(main: UInt16, limited: UInt16) -> String {
    """
    workers: 2
    listeners:
      - { name: test, bind: 127.0.0.1:0, pool: backends }
      - { name: limited, bind: 127.0.0.1:0, pool: limited }
    pools:
      backends:
        servers:
          - address: 127.0.0.1:\(main)
      limited:
        queue: { size: 16, timeout: 60s }
        servers:
          - { address: 127.0.0.1:\(limited), max_connections: 2 }
    timeouts: { connect: 5s, idle: 60s }
    tuning: { pipe_size: 1MiB, pipe_pool: 0, copy_buffer: 64KiB }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  func testLiveConnectionsMoveByteExact() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let limitedBackend = try TestBackend()
    defer { limitedBackend.stop() }
    let relay = try UpgradingRelay(
      yaml: Self.yaml(main: backend.port, limited: limitedBackend.port), listeners: ["test", "limited"])
    defer { relay.stop() }
    let port = relay.relay.port("test")
    let adminPort = relay.relay.port("admin")
    // A fresh process on this config, before any client: what the new one must come back to.
    let baseline = relay.baseline
    let baselineDescriptors = relay.describeDescriptors()

    var workload = UpgradeWorkload(seed: 0x7570_6772_6164_65)
    // Moving all the time, slow readers and writers: mid-transfer when the upgrade comes.
    let runningSpecs = workload.specs(180, upTo: 3 << 20)
    // Held while the upgrade runs, with bytes in the relay's pipes; the short direction of
    // each has ended (half-closed), one way or the other.
    let heldSpecs =
      workload.lopsided(50, short: 32 << 10, long: 6 << 20)
      + workload.lopsided(50, short: 32 << 10, long: 2 << 20, swapped: true) + workload.specs(14, upTo: 2 << 20)
    // Two at the server, four waiting in the queue, all held.
    let queuedSpecs = workload.lopsided(6, short: 16 << 10, long: 2 << 20)

    let runningClients = try connectClients(runningSpecs, port: port, maximumIO: 16 << 10)
    let heldClients = try connectClients(heldSpecs, port: port, maximumIO: 64 << 10)
    let queuedClients = try connectClients(queuedSpecs, port: relay.relay.port("limited"), maximumIO: 16 << 10)
    (heldClients + queuedClients).forEach { $0.limitReceiveBuffer(to: 32 << 10) }
    let running = BackgroundTransfer(runningClients, timeoutSeconds: 120)
    let held = BackgroundTransfer(heldClients + queuedClients, timeoutSeconds: 120)
    XCTAssertTrue(held.waitForReceived(atLeast: 1 << 20, timeoutSeconds: 30), "held transfers under way")
    held.pause()
    XCTAssertTrue(running.waitForReceived(atLeast: 8 << 20, timeoutSeconds: 30), "running transfers under way")
    let metricsBefore = try HTTPGet.get(port: adminPort, path: "/metrics").body
    let closedBefore = relay.relay.waitForClosedConnections(0, timeoutSeconds: 0).count

    let old = relay.pid
    let outcome = try relay.upgrade()
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    let new = try XCTUnwrap(outcome.newPID(from: old), outcome.standardOutput)
    XCTAssertEqual(outcome.standardOutput, "upgraded: pid \(old) -> \(new)\n")
    XCTAssertEqual(relay.handedOver, [0], "the old process exits 0 once it has handed over")
    let duration = relay.upgradeMilliseconds(newPID: new)
    print("live upgrade of \(300 - closedBefore) open connections: duration_ms \(duration.map(String.init) ?? "?")")
    // The pause is the sum of its three stretches (each rounded to 0.1 ms) and lies within
    // the whole upgrade.
    let stretches = relay.upgradeStretches(newPID: new)
    print("stretches of the upgrade: \(stretches.sorted { $0.key < $1.key })")
    let paused = try XCTUnwrap(stretches["paused_ms"], "paused_ms in the upgraded line")
    let parts = ["freeze_ms", "transfer_ms", "commit_ms"].compactMap { stretches[$0] }
    XCTAssertEqual(parts.count, 3, "\(stretches)")
    XCTAssertEqual(parts.reduce(0, +), paused, accuracy: 0.35)
    XCTAssertLessThanOrEqual(paused, Double(try XCTUnwrap(duration)) + 1)
    XCTAssertNotNil(relay.relay.waitForLine(containing: "stopped: handed over", timeoutSeconds: 5))
    XCTAssertNotNil(
      relay.relay.waitForLine(containing: "\"message\":\"splicer started\"", and: "\"upgraded\":\"true\""))
    XCTAssertNotNil(relay.relay.waitForLine(containing: "\"message\":\"reloaded\"", and: "\"after\":\"upgrade\""))

    held.resume()
    XCTAssertTrue(running.wait(timeoutSeconds: 120), "running transfers finished")
    XCTAssertTrue(held.wait(timeoutSeconds: 120), "held transfers finished")
    assertResults(runningSpecs + heldSpecs, runningClients + heldClients, backend: backend)
    assertResults(queuedSpecs, queuedClients, backend: limitedBackend)

    // The new process serves new clients, on the same listeners.
    var fresh = UpgradeWorkload(seed: 0x6e65_77)
    try assertTransfers(fresh.specs(10, upTo: 256 << 10), port: port, backend: backend)

    let closed = relay.relay.waitForClosedConnections(310)
    XCTAssertEqual(closed.count, 310, "one access-log line per connection")
    let reasons = closeReasons(relay.relay)
    XCTAssertEqual(reasons.filter { $0 != "completed" }, [], "every connection completed")
    let accepted = "splicer_connections_accepted_total"
    let metricsAfter = try HTTPGet.get(port: adminPort, path: "/metrics").body
    XCTAssertEqual(HostileSockets.metricSum(metricsBefore, accepted), 300)
    XCTAssertEqual(
      HostileSockets.metricSum(metricsBefore, "splicer_queued_connections_total"), 4, "four waited in the queue")
    XCTAssertEqual(HostileSockets.metricSum(metricsAfter, accepted), 310, "the count went on from the old one's")
    // This process counts its own upgrade on top of the old one's count (none), and the latency
    // histograms go on from the old process's counts: every close counted once, in one process
    // or the other.
    XCTAssertEqual(
      HostileSockets.metricSum(metricsAfter, "splicer_upgrades_total", labels: ["outcome=\"upgraded\""]), 1)
    XCTAssertEqual(HostileSockets.metricSum(metricsAfter, "splicer_upgrades_total"), 1, "no failure counted")
    XCTAssertEqual(HostileSockets.metricSum(metricsAfter, "splicer_connection_duration_seconds_count"), 310)
    let connects = "splicer_connect_duration_seconds_count"
    XCTAssertGreaterThan(HostileSockets.metricSum(metricsBefore, connects), 0)
    XCTAssertGreaterThanOrEqual(
      HostileSockets.metricSum(metricsAfter, connects), HostileSockets.metricSum(metricsBefore, connects) + 10,
      "the connect histogram went on from the old one's")
    _ = waitUntil(30) { relay.openDescriptors() <= baseline }
    XCTAssertLessThanOrEqual(
      relay.openDescriptors(), baseline,
      "new process's descriptors: \(relay.describeDescriptors()); a fresh one's: \(baselineDescriptors)")
  }
}

extension LiveUpgradeTests {
  func testFiveUpgradesInARowUnderSteadyTraffic() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try UpgradingRelay(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    let traffic = SteadyTraffic(port: relay.relay.port(), backend: backend, seed: 0x7374_6561_6479)
    var pids = [relay.pid]
    for round in 1...5 {
      XCTAssertTrue(
        traffic.waitForCompleted(atLeast: 16 * round, timeoutSeconds: 30), "traffic before upgrade \(round)")
      let outcome = try relay.upgrade()
      XCTAssertEqual(outcome.status, 0, "upgrade \(round): \(outcome.standardError)")
      guard let new = outcome.newPID(from: pids.last!) else { break }
      print(
        "upgrade \(round): pid \(pids.last!) -> \(new), duration_ms \(relay.upgradeMilliseconds(newPID: new) ?? -1)")
      pids.append(new)
    }
    XCTAssertEqual(pids.count, 6, "five new processes")
    XCTAssertEqual(relay.handedOver, [0, 0, 0, 0, 0], "each old process exits 0")
    XCTAssertTrue(traffic.waitForCompleted(atLeast: 16 * 6, timeoutSeconds: 30), "traffic after the last upgrade")
    let (completed, failures) = traffic.finish()
    XCTAssertEqual(failures, [], "of \(completed) transfers")
    let closed = relay.relay.waitForClosedConnections(completed)
    XCTAssertEqual(closed.count, completed, "one access-log line per transfer")
    XCTAssertEqual(closeReasons(relay.relay).filter { $0 != "completed" }, [])
    // Each process counted its own upgrade on top of what the one before carried over.
    let metrics = try HTTPGet.get(port: relay.relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HostileSockets.metricSum(metrics, "splicer_upgrades_total", labels: ["outcome=\"upgraded\""]), 5)
    XCTAssertEqual(
      HostileSockets.metricSum(metrics, "splicer_connection_duration_seconds_count"), Double(completed),
      "every transfer's close counted once, in whichever process it closed")
  }
}
