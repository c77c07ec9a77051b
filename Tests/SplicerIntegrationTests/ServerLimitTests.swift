import Glibc
import SplicerSystem
import XCTest

/// Server and listener limits on a real relay: clients wait in the pool's queue or in the
/// listener's backlog until a slot frees, and a queued client gives up at the queue timeout.
final class ServerLimitTests: RelayTestCase {
  /// A relay whose only server takes one connection at a time, with the given pool queue.
  private func relayWithOneSlot(for backend: TestBackend, workers: Int, queue: String) throws -> SplicerProcess {
    try SplicerProcess(
      yaml: """
        workers: \(workers)
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: limited }]
        pools:
          limited:
            queue: \(queue)
            servers: [{ address: "127.0.0.1:\(backend.port)", max_connections: 1 }]
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
  }

  /// A server at `max_connections` queues the next client until a slot frees; beyond the
  /// queue's size clients are closed at once, and a queued client gives up at the timeout.
  func testServerLimitQueuesClientsUntilASlotFrees() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relayWithOneSlot(for: backend, workers: 2, queue: "{ size: 1, timeout: 10s }")
    defer { relay.stop() }
    let admin = relay.port("admin")
    func waitFor(_ series: String, _ value: Double) -> Bool {
      waitUntil(30) {
        HTTPGet.sample((try? HTTPGet.get(port: admin, path: "/metrics").body) ?? "", series) == value
      } != nil
    }
    // The first client holds the only slot: it sends its header but not its EOF.
    let first = try TestSockets.connect(port: relay.port())
    XCTAssertTrue(TestSockets.writeAll(first, TestBackend.header(responseLength: 1_000, seed: 1)))
    XCTAssertTrue(
      waitFor("splicer_server_connections_active{pool=\"limited\",server=\"127.0.0.1:\(backend.port)\"}", 1))
    let queued = try connectClients(
      [TransferSpec(requestLength: 5_000, responseLength: 6_000, seed: 2)], port: relay.port())
    XCTAssertTrue(waitFor("splicer_queued_connections_total{listener=\"test\"}", 1))
    // The queue holds one: a third client is refused at once.
    let third = try TestSockets.connect(port: relay.port())
    XCTAssertEqual(TestSockets.readToEnd(third, timeoutSeconds: 30).bytes.count, 0)
    close(third)
    XCTAssertEqual(backend.accepted, 1, "a server at max_connections got another connection")
    // The first client finishes; its slot goes to the queued one.
    shutdown(first, Int32(SHUT_WR))
    XCTAssertEqual(TestSockets.readToEnd(first, timeoutSeconds: 30).bytes.count, 1_000)
    close(first)
    XCTAssertTrue(PollDriver.run(queued, timeoutSeconds: 20))
    assertResults([TransferSpec(requestLength: 5_000, responseLength: 6_000, seed: 2)], queued, backend: backend)
    relay.waitForClosedConnections(3)
    XCTAssertEqual(closeReasons(relay).sorted(), ["completed", "completed", "queue_full"])
  }

  func testQueuedClientGivesUpAtTheQueueTimeout() throws {
    let backend = try TestBackend(behavior: .holdOpen)
    defer { backend.stop() }
    let relay = try relayWithOneSlot(for: backend, workers: 1, queue: "{ size: 10, timeout: 300ms }")
    defer { relay.stop() }
    let holder = try TestSockets.connect(port: relay.port())
    defer { close(holder) }
    XCTAssertNotNil(waitUntil(30) { backend.accepted == 1 })
    let waiting = try TestSockets.connect(port: relay.port())
    XCTAssertEqual(TestSockets.readToEnd(waiting, timeoutSeconds: 30).bytes.count, 0)
    close(waiting)
    // Closed by the queue timeout (the reason below). That it fires at its time, not before,
    // is WorkerQueueTests' (SplicerCoreTests), on a clock the test moves.
    relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["queue_timeout"])
    // The held connection ends on both sides, so stopping the relay need not wait out a drain.
    backend.stop()
  }

  /// At the listener's `max_connections` the relay stops accepting: the next client waits in
  /// the kernel's backlog (its connect succeeds, nothing is dropped) and is served once a
  /// slot frees.
  func testListenerLimitLeavesClientsInTheBacklogUntilASlotFrees() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, max_connections: 1 }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    let first = try TestSockets.connect(port: relay.port())
    XCTAssertTrue(TestSockets.writeAll(first, TestBackend.header(responseLength: 10, seed: 1)))
    XCTAssertNotNil(waitUntil(30) { backend.accepted == 1 })
    let spec = TransferSpec(requestLength: 20_000, responseLength: 30_000, seed: 2)
    let second = try connectClients([spec], port: relay.port())
    let metrics = { (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? "" }
    XCTAssertNotNil(
      waitUntil(30) { (HTTPGet.sample(metrics(), "splicer_listener_limit_pauses_total{listener=\"test\"}") ?? 0) >= 1 })
    XCTAssertEqual(HTTPGet.sample(metrics(), "splicer_connections_accepted_total{listener=\"test\"}"), 1)
    shutdown(first, Int32(SHUT_WR))
    XCTAssertEqual(TestSockets.readToEnd(first, timeoutSeconds: 30).bytes.count, 10)
    close(first)
    XCTAssertTrue(PollDriver.run(second, timeoutSeconds: 20))
    assertResults([spec], second, backend: backend)
  }
}
