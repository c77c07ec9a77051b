import Foundation
import Glibc
import XCTest

/// `drain: true` set by a reload on a server with open connections: they carry on and finish
/// byte-exact, the server gets no new connection, and /status and `splicer_server_up` say it
/// is draining until its last connection ends.
final class DrainByReloadTests: RelayTestCase {
  private func yaml(_ first: UInt16, _ second: UInt16, drainFirst: Bool) -> String {
    """
    workers: 1
    listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
    pools:
      app:
        servers:
          - { address: "127.0.0.1:\(first)", drain: \(drainFirst) }
          - { address: "127.0.0.1:\(second)" }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  private func metrics(_ relay: SplicerProcess) -> String {
    (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
  }

  private func state(_ relay: SplicerProcess, _ port: UInt16) -> String? {
    guard let body = try? HTTPGet.get(port: relay.port("admin"), path: "/status").body,
      let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
      let pools = json["pools"] as? [[String: Any]], let servers = pools.first?["servers"] as? [[String: Any]]
    else { return nil }
    return servers.first { $0["address"] as? String == "127.0.0.1:\(port)" }?["state"] as? String
  }

  func testDrainedServerFinishesItsConnectionsAndGetsNoNewOnes() throws {
    let draining = try TestBackend()
    defer { draining.stop() }
    let staying = try TestBackend()
    defer { staying.stop() }
    let relay = try SplicerProcess(yaml: yaml(draining.port, staying.port, drainFirst: false))
    defer { relay.stop() }
    let up = { (port: UInt16) in "splicer_server_up{pool=\"app\",server=\"127.0.0.1:\(port)\"}" }
    let active = "splicer_server_connections_active{pool=\"app\",server=\"127.0.0.1:\(draining.port)\"}"

    // Four connections open through the relay, nothing sent yet: round robin over two equal
    // servers on one worker puts two on each.
    let open = (1...4).map { TransferSpec(requestLength: 1_500_000, responseLength: 2_500_000, seed: UInt64($0)) }
    let clients = try connectClients(open, port: relay.port())
    XCTAssertNotNil(waitUntil(30) { draining.accepted == 2 && staying.accepted == 2 })
    XCTAssertNotNil(waitUntil(30) { HTTPGet.sample(self.metrics(relay), active) == 2 })
    XCTAssertEqual(HTTPGet.sample(metrics(relay), up(draining.port)), 1)

    XCTAssertTrue(try relay.reload(with: yaml(draining.port, staying.port, drainFirst: true)))
    XCTAssertEqual(state(relay, draining.port), "draining")
    XCTAssertEqual(state(relay, staying.port), "up")
    XCTAssertEqual(HTTPGet.sample(metrics(relay), up(draining.port)), 0)
    XCTAssertEqual(HTTPGet.sample(metrics(relay), up(staying.port)), 1)
    XCTAssertEqual(HTTPGet.sample(metrics(relay), active), 2, "the reload cut the draining server's connections")

    // New connections go to the other server only.
    let fresh = (11...16).map { TransferSpec(requestLength: 10_000, responseLength: 20_000, seed: UInt64($0)) }
    try assertTransfers(fresh, port: relay.port(), backend: staying)
    XCTAssertEqual(draining.accepted, 2, "a draining server got a new connection")
    XCTAssertEqual(staying.accepted, 2 + fresh.count)

    // The open connections, on both servers, now run to their end intact.
    XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 60), "open connections did not finish after the reload")
    func finished(_ backend: TestBackend, _ spec: TransferSpec) -> Bool {
      backend.result(seed: spec.seed, timeoutSeconds: 0) != nil
    }
    XCTAssertNotNil(waitUntil(30) { open.allSatisfy { finished(draining, $0) || finished(staying, $0) } })
    for (spec, client) in zip(open, clients) {
      assertResults([spec], [client], backend: finished(draining, spec) ? draining : staying)
    }
    XCTAssertEqual(open.filter { finished(draining, $0) }.count, 2, "the draining server finished its two")
    XCTAssertNotNil(waitUntil(30) { HTTPGet.sample(self.metrics(relay), active) == 0 })
    XCTAssertEqual(state(relay, draining.port), "draining", "still draining once empty, until the config changes")
    relay.waitForClosedConnections(open.count + fresh.count)
    XCTAssertEqual(closeReasons(relay).filter { $0 == "completed" }.count, open.count + fresh.count)
  }
}
