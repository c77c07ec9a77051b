import Foundation
import Glibc
import XCTest

/// Stress tests for the wake-ups between workers: a listener paused at its `max_connections`
/// and a session queued for a server at its `max_connections` must both be woken whenever a
/// slot comes free, whichever worker frees it.
///
/// Rounds of nearly simultaneous connections (`BurstClients`, with seeded jitter) to eight
/// workers on the machine's cores make the races likely: workers accept, pick and close at
/// the same moments, and are preempted in between. Between rounds nothing else happens, so a lost
/// wake-up leaves its connection waiting for good, which the round counts as a stall; any
/// stall fails. What is asserted holds however the races fall: every connection is served.
/// The per-connection bound only ends a hang.
final class WakeUpStressTests: RelayTestCase {
  /// As many clients per round as the listener's limit. A worker that accepts the next to
  /// last client takes a slot for one more accept, which finds the backlog empty: that slot
  /// is the last one, and the sibling whose client arrives in that moment pauses on it. The
  /// slot given back must wake that sibling, or its client waits in the backlog while the
  /// listener has room.
  func testNoWorkerStaysPausedBelowTheListenerLimit() throws {
    let backend = try TestBackend(behavior: .pong)
    defer { backend.stop() }
    let clients = 8
    let relay = try SplicerProcess(
      yaml: """
        workers: 8
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, max_connections: \(clients) }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        log: { level: info, format: json, access_log: false }
        """)
    defer { relay.stop() }
    let outcome = BurstClients.run(port: relay.port(), clients: clients, rounds: 1_000, seed: 2)
    XCTAssertEqual(outcome.stalled, 0, "stalled after \(outcome.rounds) rounds: \(outcome.examples)")
    XCTAssertEqual(outcome.served, clients * 1_000)
  }

  /// Clients race for a server that takes one connection at a time. A session that finds it
  /// full joins the queue; a slot freed on the other worker between that pick and the joining
  /// must still reach it (or, at the latest, the queue timeout's last look must find it).
  func testNoQueuedSessionMissesAFreedServerSlot() throws {
    let backend = try TestBackend(behavior: .pong)
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 8
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: limited }]
        pools:
          limited:
            queue: { size: 100, timeout: 60s }
            servers: [{ address: "127.0.0.1:\(backend.port)", max_connections: 1 }]
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    let outcome = BurstClients.run(port: relay.port(), clients: 3, rounds: 2_000, seed: 3)
    XCTAssertEqual(outcome.stalled, 0, "stalled after \(outcome.rounds) rounds: \(outcome.examples)")
    relay.waitForClosedConnections(outcome.served + outcome.stalled)
    XCTAssertEqual(closeReasons(relay).filter { $0 != "completed" }, [], "connections that did not complete")
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertGreaterThan(
      HostileSockets.metricSum(metrics, "splicer_queued_connections_total"), 0,
      "no connection was ever queued, so the test did not test the wake-up")
  }
}
