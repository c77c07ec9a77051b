import Foundation
import Glibc
import XCTest

/// `splicer upgrade --pid PID` as an operator runs it. The running process's side is not wired
/// yet, so the target is `UpgradeStandIn`, a script that answers as the design's old process
/// will; the usage errors and the refusal of a real Splicer that cannot be asked yet run
/// against the real binary.
final class UpgradeCommandTests: XCTestCase {
  private struct Outcome {
    let status: Int32
    let pid: Int32
    let standardOutput: String
    let standardError: String
  }

  private func upgrade(_ arguments: [String]) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: SplicerProcess.binaryPath)
    process.arguments = ["upgrade"] + arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // A line or two each way, far below a pipe's capacity.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
      status: process.terminationStatus, pid: process.processIdentifier,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
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

  func testARunningSplicerThatCannotBeAskedYetIsLeftAlone() throws {
    // In this version the relay leaves SIGUSR2 to its default action, which would end it.
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [9]))
    defer { relay.stop() }
    let outcome = try upgrade(["--pid", "\(relay.pid)", "--timeout", "1s"])
    XCTAssertEqual(outcome.status, 2, outcome.standardError)
    XCTAssertTrue(outcome.standardError.contains("does not handle SIGUSR2"), outcome.standardError)
    XCTAssertTrue(relay.process.isRunning)
    XCTAssertEqual(relay.stop(), 0, "it still drains and exits 0 on SIGTERM")
  }
}
