import Foundation
import Glibc
import SplicerSystem
import SplicerTestSupport
import XCTest

/// A live upgrade that fails leaves the old process as it was: `splicer upgrade` exits 1 and
/// says why, the transfers in flight (held, with bytes in the relay's pipes) carry on
/// byte-exact, no child is left behind, and the old process holds the descriptors it held
/// before. The new process fails for real: its binary is gone, its config is bad or adds a
/// listener on a taken port, or `SPLICER_UPGRADE_FAULT` (debug builds) makes it die, stall or
/// fail in the middle of the handover.
final class LiveUpgradeRollbackTests: RelayTestCase {
  /// Transfers under way and then held, so that the relay has bytes in its pipes and every
  /// connection one direction ended: started, waited for, paused.
  private struct Held {
    let specs: [TransferSpec]
    let clients: [StreamConnection]
    let transfer: BackgroundTransfer
  }

  private func hold(_ relay: UpgradingRelay, seed: UInt64) throws -> Held {
    let port = relay.relay.port()
    var workload = UpgradeWorkload(seed: seed)
    // Replies longer than every buffer on the way can hold, to clients that read slowly: none
    // can end before the pause, so every one is a session when the upgrade comes. (The
    // client's short request is all sent: half-closed.)
    let specs = workload.lopsided(16, short: 16 << 10, long: 24 << 20)
    let clients = try connectClients(specs, port: port, maximumIO: 32 << 10)
    clients.forEach { $0.limitReceiveBuffer(to: 32 << 10) }
    let transfer = BackgroundTransfer(clients, timeoutSeconds: 120)
    XCTAssertTrue(transfer.waitForReceived(atLeast: 256 << 10, timeoutSeconds: 30), "transfers under way")
    transfer.pause()
    // Each session opens its reply's pipe when the first reply bytes come: wait (bounded)
    // until all have, two sockets and a pipe each, so that the count before the upgrade is
    // settled.
    waitUntil(10) { relay.openDescriptors() >= relay.baseline + 4 * specs.count }
    return Held(specs: specs, clients: clients, transfer: transfer)
  }

  /// Resumes the held transfers and checks every byte; then a new client is served too.
  private func finish(_ held: Held, relay: UpgradingRelay, backend: TestBackend, line: UInt = #line) throws {
    held.transfer.resume()
    XCTAssertTrue(held.transfer.wait(timeoutSeconds: 120), "held transfers finished", line: line)
    assertResults(held.specs, held.clients, backend: backend, line: line)
    var fresh = UpgradeWorkload(seed: 0x6166_7465_72)
    try assertTransfers(fresh.specs(4, upTo: 256 << 10), port: relay.relay.port(), backend: backend, line: line)
    XCTAssertEqual(closeReasons(relay.relay).filter { $0 != "completed" }, [], line: line)
    // Nothing the rollback touched stays open once the clients are gone.
    _ = relay.relay.waitForClosedConnections(held.specs.count + 4)
    _ = waitUntil(30) { relay.openDescriptors() <= relay.baseline }
    XCTAssertLessThanOrEqual(
      relay.openDescriptors(), relay.baseline, "descriptors at the end: \(relay.describeDescriptors())", line: line)
  }

  /// Upgrades and expects the failure `reason` from `splicer upgrade`, the old process still
  /// serving, with its descriptors as before and no child, and the failure counted as
  /// `counted` in `splicer_upgrades_total`.
  private func assertRollback(
    _ relay: UpgradingRelay, sessions: Int, reason: String, counted: String, line: UInt = #line
  ) throws {
    let pid = relay.pid
    // What the sessions hold once every one has its reply's pipe; more before the upgrade
    // only if the sessions hold more.
    let before = max(relay.openDescriptors(), relay.baseline + 4 * sessions)
    let closed = relay.relay.waitForClosedConnections(0, timeoutSeconds: 0)
    XCTAssertEqual(closed, [], "every held connection open in the relay", line: line)
    let outcome = try relay.upgrade()
    XCTAssertEqual(outcome.status, 1, outcome.standardError, line: line)
    XCTAssertTrue(outcome.standardError.hasPrefix("upgrade failed: \(reason)"), outcome.standardError, line: line)
    XCTAssertEqual(outcome.standardOutput, "", line: line)
    XCTAssertEqual(relay.pid, pid, line: line)
    XCTAssertTrue(relay.isRunning, "the old process still runs", line: line)
    let resumed = relay.relay.waitForLine(containing: "\"message\":\"upgrade failed; resuming\"", timeoutSeconds: 5)
    XCTAssertNotNil(resumed, line: line)
    print("rolled back: \(UpgradingRelay.field("reason", in: resumed ?? "") ?? "?")")
    _ = waitUntil(10) { relay.children().isEmpty }
    XCTAssertEqual(relay.children(), [], "no child left", line: line)
    _ = waitUntil(10) { relay.openDescriptors() <= before }
    XCTAssertLessThanOrEqual(
      relay.openDescriptors(), before, "descriptors after the rollback: \(relay.describeDescriptors())", line: line)
    let metrics = try HTTPGet.get(port: relay.relay.port("admin"), path: "/metrics").body
    let upgrades = "splicer_upgrades_total"
    XCTAssertEqual(
      HostileSockets.metricSum(metrics, upgrades, labels: ["outcome=\"\(counted)\""]), 1, metrics, line: line)
    XCTAssertEqual(HostileSockets.metricSum(metrics, upgrades), 1, "one upgrade, counted once", line: line)
  }

  func testAMissingBinaryLeavesTheRelayServing() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let copy = try NobodyReadableCopy(executable: SplicerProcess.binaryPath)
    defer { copy.remove() }
    let relay = try UpgradingRelay(yaml: TestConfig.yaml(servers: [backend.port], admin: true), copy: copy)
    defer { relay.stop() }
    let held = try hold(relay, seed: 0x6d69_7373)
    try FileManager.default.removeItem(atPath: copy.executable)
    try assertRollback(
      relay, sessions: held.specs.count, reason: "the new binary could not be executed", counted: "refused")
    try finish(held, relay: relay, backend: backend)
  }

  func testABadConfigFileLeavesTheRelayServing() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try UpgradingRelay(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    let held = try hold(relay, seed: 0x6261_64)
    try relay.relay.rewriteConfig("listeners: [ {name: test\n")
    try assertRollback(
      relay, sessions: held.specs.count, reason: "the new binary rejected the config file", counted: "refused")
    try finish(held, relay: relay, backend: backend)
  }

  func testANewListenerOnATakenPortLeavesTheRelayServing() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    // A plain socket (no SO_REUSEPORT) holds the port the new config adds a listener on.
    let taken = try Socket.listen(on: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false, backlog: 1)
    defer { Socket.close(taken) }
    let port = try Socket.localAddress(taken).port
    let yaml = TestConfig.yaml(servers: [backend.port], admin: true)
    let relay = try UpgradingRelay(yaml: yaml)
    defer { relay.stop() }
    let held = try hold(relay, seed: 0x7461_6b65_6e)
    let added = "listeners:\n  - name: taken\n    bind: 127.0.0.1:\(port)\n    pool: backends\n"
    try relay.relay.rewriteConfig(yaml.replacingOccurrences(of: "listeners:\n", with: added))
    try assertRollback(
      relay, sessions: held.specs.count, reason: "the new config could not be applied", counted: "refused")
    try finish(held, relay: relay, backend: backend)
  }

  func testANewProcessThatCannotPrepareItsStartIsRolledBack() throws {
    // The threads are made before the commit; a failure there is a refusal.
    try assertFault(
      "start:fail", seed: 0x7374_6172_74, reason: "the new process could not start", counted: "refused")
  }

  func testANewProcessThatDiesInTheFirstBatchIsRolledBack() throws {
    try assertFault("batch-1:die", seed: 0x6469_65)
  }

  func testANewProcessThatStallsInTheFirstBatchIsRolledBack() throws {
    try assertFault("batch-1:stall", seed: 0x7374_616c_6c)
  }

  func testANewProcessThatDiesBeforeConfirmingTheCommitIsRolledBack() throws {
    // The new process has adopted everything and been told to commit; the old one has
    // changed nothing yet, so it takes everything back.
    try assertFault("committed:die", seed: 0x636f_6d6d_6974)
  }

  /// `counted`: `rolled_back` for a failure after the freeze began (the sessions were paused
  /// and resumed), `refused` for one before it.
  private func assertFault(
    _ fault: String, seed: UInt64, reason: String = "", counted: String = "rolled_back", line: UInt = #line
  ) throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try UpgradingRelay(
      yaml: TestConfig.yaml(servers: [backend.port], admin: true), environment: ["SPLICER_UPGRADE_FAULT": fault])
    defer { relay.stop() }
    let held = try hold(relay, seed: seed)
    try assertRollback(relay, sessions: held.specs.count, reason: reason, counted: counted, line: line)
    try finish(held, relay: relay, backend: backend, line: line)
  }
}
