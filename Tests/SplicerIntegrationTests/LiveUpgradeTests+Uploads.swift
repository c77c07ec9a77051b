import Foundation
import Glibc
import XCTest

extension LiveUpgradeTests {
  /// Uploads of up to 16 MiB with short replies: a client may have sent everything, read its
  /// reply and closed while the relay still drains its last bytes to the server. Its socket in
  /// the relay then has no peer (getpeername: ENOTCONN), and the new process once refused the
  /// whole upgrade for it ("the client socket's peer is not ..."). Such a session moves too.
  func testAClientThatClosedWhileItsUploadDrainsMovesToo() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try UpgradingRelay(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    var workload = UpgradeWorkload(seed: 0x7570_6c6f_6164)
    let specs =
      workload.lopsided(10, short: 16 << 10, long: 16 << 20)
      + workload.lopsided(10, short: 16 << 10, long: 16 << 20, swapped: true)
    let clients = try connectClients(specs, port: relay.relay.port(), maximumIO: 32 << 10)
    clients.forEach { $0.limitReceiveBuffer(to: 32 << 10) }
    let transfer = BackgroundTransfer(clients, timeoutSeconds: 120)
    XCTAssertTrue(transfer.waitForReceived(atLeast: 1 << 20, timeoutSeconds: 30), "transfers under way")
    transfer.pause()
    let old = relay.pid
    let outcome = try relay.upgrade()
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    XCTAssertNotNil(outcome.newPID(from: old), outcome.standardOutput)
    transfer.resume()
    XCTAssertTrue(transfer.wait(timeoutSeconds: 120), "transfers finished")
    assertResults(specs, clients, backend: backend)
    XCTAssertEqual(relay.relay.waitForClosedConnections(specs.count).count, specs.count)
    XCTAssertEqual(closeReasons(relay.relay).filter { $0 != "completed" }, [], "every connection completed")
  }
}
