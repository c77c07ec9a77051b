import Foundation
import Glibc
import XCTest

/// A `backup: true` server end to end: it gets no connection while the primary is up; it takes
/// them all while the primary drains (by reload) or is down (by its health check); and the
/// primary gets them back once it is up again.
final class BackupServerRelayTests: BalancingTestCase {
  private func yaml(primary: UInt16, backup: UInt16, primaryDrains: Bool = false) -> String {
    """
    workers: 2
    listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
    pools:
      app:
        retries: 0
        health_check: { type: tcp, interval: 200ms, timeout: 100ms, rise: 1, fall: 1, jitter: 0 }
        servers:
          - { address: "127.0.0.1:\(primary)", drain: \(primaryDrains) }
          - { address: "127.0.0.1:\(backup)", backup: true }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  private func state(_ relay: SplicerProcess, _ port: UInt16) -> String? {
    guard let body = try? HTTPGet.get(port: relay.port("admin"), path: "/status").body,
      let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
      let pools = json["pools"] as? [[String: Any]], let servers = pools.first?["servers"] as? [[String: Any]]
    else { return nil }
    return servers.first { $0["address"] as? String == "127.0.0.1:\(port)" }?["state"] as? String
  }

  /// Connections per server from the access log (the backends' own accept counts would
  /// include the health checks' probes).
  private func served(_ relay: SplicerProcess, total: Int, _ port: UInt16) -> Int {
    relay.waitForClosedConnections(total).filter { $0.contains("\"server\":\"127.0.0.1:\(port)\"") }.count
  }

  func testBackupTakesConnectionsOnlyWhilePrimaryIsDrainingOrDown() throws {
    var primary: TestBackend? = try TestBackend()
    let primaryPort = primary!.port
    defer { primary?.stop() }
    let backup = try TestBackend()
    defer { backup.stop() }
    let relay = try SplicerProcess(yaml: yaml(primary: primaryPort, backup: backup.port))
    defer { relay.stop() }

    for _ in 0..<10 { try shortConnection(port: relay.port()) }
    XCTAssertEqual(served(relay, total: 10, primaryPort), 10)
    XCTAssertEqual(served(relay, total: 10, backup.port), 0, "the backup got traffic while the primary was up")

    // Draining by reload: the primary is no longer up, the backup takes every new connection.
    XCTAssertTrue(try relay.reload(with: yaml(primary: primaryPort, backup: backup.port, primaryDrains: true)))
    XCTAssertEqual(state(relay, primaryPort), "draining")
    for _ in 0..<10 { try shortConnection(port: relay.port()) }
    XCTAssertEqual(served(relay, total: 20, primaryPort), 10, "a draining primary got a new connection")
    XCTAssertEqual(served(relay, total: 20, backup.port), 10)

    // Undrained: back to the primary only.
    XCTAssertTrue(try relay.reload(with: yaml(primary: primaryPort, backup: backup.port)))
    XCTAssertEqual(state(relay, primaryPort), "up")
    for _ in 0..<10 { try shortConnection(port: relay.port()) }
    XCTAssertEqual(served(relay, total: 30, primaryPort), 20)
    XCTAssertEqual(served(relay, total: 30, backup.port), 10, "the backup got traffic after the primary came back")

    // The primary dies: once its check marks it down, the backup takes over, and no client
    // sees an error (retries: 0, so a connection sent to the dead primary would fail).
    primary?.stop()
    primary = nil
    XCTAssertNotNil(
      waitUntil(30) { self.state(relay, primaryPort) == "down" }, "the dead primary was never marked down")
    for _ in 0..<10 { try shortConnection(port: relay.port()) }
    XCTAssertEqual(served(relay, total: 40, primaryPort), 20)
    XCTAssertEqual(served(relay, total: 40, backup.port), 20)
    XCTAssertEqual(closeReasons(relay).filter { $0 == "completed" }.count, 40, "\(closeReasons(relay))")
  }
}
