import Foundation
import Glibc
import XCTest

/// Stress tests for the wake-ups between workers: a listener paused at its `max_connections`
/// and a session queued for a server at its `max_connections` must both be woken whenever a
/// slot comes free, whichever worker frees it. Several workers and many short connections
/// make the races likely; a connection left waiting is counted as a stall, and any stall
/// fails. Deterministic in what it asserts: every connection must be served, however the
/// races fall. The per-connection bound only ends a hang.
final class WakeUpStressTests: RelayTestCase {
  /// Listener slots taken for an accept that found the backlog empty are given back; when
  /// that slot was the last one, a worker that paused meanwhile must still be woken.
  func testNoWorkerStaysPausedBelowTheListenerLimit() throws {
    let backend = try TestBackend(behavior: .pong)
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 4
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, max_connections: 2 }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        log: { level: info, format: json, access_log: false }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    let outcome = ChurnClients.run(port: relay.port(), threads: 16, roundsPerThread: 25)
    XCTAssertEqual(outcome.stalled, 0, "stalled connections: \(outcome.examples)")
    XCTAssertEqual(outcome.served, 16 * 25)
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertGreaterThan(
      HostileSockets.metricSum(metrics, "splicer_listener_limit_pauses_total"), 0,
      "the listener never reached its limit, so the test did not test the wake-up")
  }

  /// A session that finds every server full joins the queue; a slot freed on another worker
  /// between its pick and its joining must still reach it, and the queue timeout takes one
  /// last look before giving up.
  func testNoQueuedSessionMissesAFreedServerSlot() throws {
    let backend = try TestBackend(behavior: .pong)
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 4
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: limited }]
        pools:
          limited:
            queue: { size: 1000, timeout: 20s }
            servers: [{ address: "127.0.0.1:\(backend.port)", max_connections: 1 }]
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    let outcome = ChurnClients.run(port: relay.port(), threads: 16, roundsPerThread: 25)
    XCTAssertEqual(outcome.stalled, 0, "stalled connections: \(outcome.examples)")
    relay.waitForClosedConnections(16 * 25)
    let reasons = closeReasons(relay)
    XCTAssertEqual(reasons.filter { $0 != "completed" }, [], "connections that did not complete")
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertGreaterThan(
      HostileSockets.metricSum(metrics, "splicer_queued_connections_total"), 0,
      "no connection was ever queued, so the test did not test the wake-up")
  }
}
