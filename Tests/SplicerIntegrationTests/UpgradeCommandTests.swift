import Foundation
import Glibc
import XCTest

/// `splicer upgrade --pid PID` as an operator runs it. How the command reads the answer runs
/// against `UpgradeStandIn`, a script that answers as the running process does, so that every
/// reply (a failure class, a stray signal, no answer) can be had on demand; the usage errors
/// and one real upgrade of a running relay run against the real binary (`LiveUpgradeTests`
/// cover the upgrade itself).
final class UpgradeCommandTests: XCTestCase {
  private func upgrade(_ arguments: [String]) throws -> UpgradeCommandOutcome {
    try UpgradeCommandOutcome.run(arguments)
  }

  func testASuccessfulReplyPrintsBothPidsAndExitsZero() throws {
    let target = try UpgradeStandIn(mode: "reply", value: 5678)
    defer { target.stop() }
    let outcome = try upgrade(["--pid", "\(target.pid)"])
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    XCTAssertEqual(outcome.standardOutput, "upgraded: pid \(target.pid) -> 5678\n")
    let request = try XCTUnwrap(target.request())
    XCTAssertEqual(request.code, -1, "SI_QUEUE: sent with sigqueue")
    XCTAssertEqual(request.pid, outcome.pid, "the target sees who asked")
  }

  func testAFailureReplyNamesTheClassAndExitsOne() throws {
    let cases: [(value: Int32, reason: String)] = [
      (-2, "the new binary rejected the config file"),
      (-9, "timed out"),
      (-77, "unknown reply code -77"),
    ]
    for (value, reason) in cases {
      let target = try UpgradeStandIn(mode: "reply", value: value)
      defer { target.stop() }
      let outcome = try upgrade(["--pid", "\(target.pid)"])
      XCTAssertEqual(outcome.status, 1, "\(value)")
      XCTAssertEqual(outcome.standardError, "upgrade failed: \(reason); pid \(target.pid) still serving; see its log\n")
      XCTAssertEqual(outcome.standardOutput, "")
    }
  }

  func testOnlyAQueuedReplyFromTheTargetCounts() throws {
    // A plain kill from the target (no value) and a queued signal from its child come first.
    let target = try UpgradeStandIn(mode: "others-first", value: 4321)
    defer { target.stop() }
    let outcome = try upgrade(["--pid", "\(target.pid)"])
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    XCTAssertEqual(outcome.standardOutput, "upgraded: pid \(target.pid) -> 4321\n")
  }

  func testATargetThatExitsWithoutAnsweringEndsTheWaitAtOnce() throws {
    let target = try UpgradeStandIn(mode: "exit")
    defer { target.stop() }
    // A timeout far longer than the test may take: the pidfd, not the timeout, ends the wait.
    let outcome = try upgrade(["--pid", "\(target.pid)", "--timeout", "1h"])
    XCTAssertEqual(outcome.status, 1)
    XCTAssertEqual(outcome.standardError, "upgrade failed: pid \(target.pid) exited without answering; see its log\n")
  }

  func testARootCommandTakesTheTargetsUserToBeAnswered() throws {
    // kill(2) lets the target (nobody) signal back only a process whose real or saved uid is
    // its own: without the switch, its sigqueue would fail and it would exit unanswered.
    let target = try UpgradeStandIn(mode: "reply", value: 2468, user: 65_534)
    defer { target.stop() }
    let outcome = try upgrade(["--pid", "\(target.pid)"])
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    XCTAssertEqual(outcome.standardOutput, "upgraded: pid \(target.pid) -> 2468\n")
    XCTAssertEqual(target.request()?.pid, outcome.pid)
  }

  func testNoAnswerWithinTheTimeoutExitsThree() throws {
    let target = try UpgradeStandIn(mode: "silent")
    defer { target.stop() }
    let outcome = try upgrade(["--pid", "\(target.pid)", "--timeout", "300ms"])
    XCTAssertEqual(outcome.status, 3)
    XCTAssertEqual(
      outcome.standardError, "no answer within 300ms; pid \(target.pid) may still be upgrading, see its log\n")
    XCTAssertNotNil(target.request(), "the request reached the target")
  }

  func testUsageErrorsExitTwoWithoutSendingAnything() throws {
    let cases: [(arguments: [String], message: String)] = [
      ([], "Error: Missing expected argument '--pid <pid>'"),
      (["--pid", "0"], "--pid must be the process id of a running splicer, above 0"),
      // -1 would be every process the command may signal, and 0 its process group.
      (["--pid=-1"], "--pid must be the process id of a running splicer, above 0"),
      (["--pid", "-1"], "Error: Missing value for '--pid <pid>'"),
      (["--pid", "abc"], "Error:"),
      (["--pid", "1", "--frobnicate"], "Error:"),
      (["--pid", "\(getpid())", "--timeout", "0"], "--timeout: duration must be greater than 0"),
      (["--pid", "\(getpid())", "--timeout", "60"], "--timeout: missing unit in '60'"),
      (["--pid", "\(Int32.max)"], "no process with pid \(Int32.max)"),
      // This test process is no splicer.
      (["--pid", "\(getpid())"], "pid \(getpid()) is not splicer"),
    ]
    for (arguments, message) in cases {
      let outcome = try upgrade(arguments)
      XCTAssertEqual(outcome.status, 2, "\(arguments): \(outcome.standardError)")
      XCTAssertTrue(outcome.standardError.contains(message), "\(arguments): \(outcome.standardError)")
      XCTAssertEqual(outcome.standardOutput, "", "\(arguments)")
    }
  }

  func testARunningSplicerIsUpgradedAndThePidsPrinted() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try UpgradingRelay(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    let spec = TransferSpec(requestLength: 100_000, responseLength: 200_000, seed: 0x6f6e_65)
    let client = StreamConnection(
      fd: try TestSockets.connect(port: relay.relay.port()),
      outgoing: PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength),
      prefix: TestBackend.header(responseLength: spec.responseLength, seed: spec.seed))
    // Relayed as far as the server, which waits for the request the client sends only after
    // the upgrade: the connection is open in the old process when the upgrade comes.
    XCTAssertNotNil(waitUntil(30) { backend.accepted == 1 }, "the relay connected to the server")
    let old = relay.pid
    let outcome = try relay.upgrade()
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    let new = try XCTUnwrap(outcome.newPID(from: old), outcome.standardOutput)
    XCTAssertNotEqual(new, old)
    XCTAssertEqual(outcome.standardOutput, "upgraded: pid \(old) -> \(new)\n")
    XCTAssertEqual(outcome.standardError, "")
    XCTAssertEqual(relay.handedOver, [0])
    XCTAssertTrue(PollDriver.run([client], timeoutSeconds: 30), "the connection finished through the new process")
    XCTAssertNil(client.failure)
    XCTAssertEqual(client.receivedDigest, PatternStream(seed: spec.seed, length: spec.responseLength).expectedDigest())
    XCTAssertEqual(
      backend.result(seed: spec.seed)?.digest,
      PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength).expectedDigest())
    XCTAssertEqual(relay.stop(), 0, "the new process drains and exits 0 on SIGTERM")
  }
}
