import Glibc
import SplicerCore
import SplicerSystem
import XCTest

/// The handover protocol when the new process fails after the freeze: the donor resumes
/// exactly once and the receiver's descriptors are all closed, or, when `Committed` turns up
/// only in the drain, the donor is left for the caller to close as `upgrade_failed`.
final class UpgradeRollbackProtocolTests: XCTestCase {
  /// Runs an upgrade whose receiver does `action` at `point`; checks the rollback.
  private func assertRollsBack(
    at point: UpgradeFaultPoint, _ action: UpgradeFaultAction, timeouts: UpgradeTimeouts? = nil,
    line: UInt = #line
  ) throws -> UpgradeFailure? {
    let baseline = openDescriptorCount()
    let donor = try FakeUpgradeDonor()
    let recipient = FakeUpgradeRecipient()
    let harness = UpgradeProtocolHarness(recipient: recipient)
    if let timeouts { harness.timeouts = timeouts }
    harness.fault = { $0 == point ? action : .proceed }
    let (outcome, receipt) = try harness.run(donor: donor)

    guard case .failed(let failure) = outcome, case .failed = receipt else {
      XCTFail("\(outcome) \(receipt)", line: line)
      return nil
    }
    XCTAssertEqual(
      [donor.freezes, donor.resumes, donor.relinquishes, donor.listenerReleases], [1, 1, 0, 0], line: line)
    XCTAssertEqual(harness.stops, 1, line: line)
    XCTAssertFalse(recipient.committed, line: line)
    donor.close()
    XCTAssertEqual(openDescriptorCount(), baseline, "descriptors left open", line: line)
    return failure
  }

  func testDeathMidAdoptionRollsBack() throws {
    for batch in [1, 3, 9] {
      // How far the coordinator got depends on how much of the window it had used.
      let failure = try assertRollsBack(at: .batch(batch), .die)
      XCTAssertTrue([.workers, .snapshots, .prepared].contains(failure?.stage), "batch \(batch)")
    }
  }

  func testACorruptMessageMidAdoptionRollsBack() throws {
    let failure = try assertRollsBack(at: .batch(2), .corrupt)
    XCTAssertEqual(failure?.notice.reason, .recordInvalid)
  }

  func testAStallPastTheProgressBoundRollsBack() throws {
    let timeouts = UpgradeTimeouts(overall: .seconds(20), progress: .milliseconds(100), commit: .seconds(20))
    let failure = try assertRollsBack(at: .batch(2), .stall, timeouts: timeouts)
    XCTAssertEqual(failure?.notice.reason, .timedOut)
  }

  func testDeathAfterPreparedRollsBack() throws {
    _ = try assertRollsBack(at: .afterPrepared, .die)
  }

  func testDeathBeforeWritingCommittedRollsBack() throws {
    let failure = try assertRollsBack(at: .beforeCommitted, .die)
    XCTAssertEqual(failure?.stage, .commit)
  }

  func testAVetoBeforeCommitRollsBack() throws {
    let baseline = openDescriptorCount()
    let donor = try FakeUpgradeDonor()
    let harness = UpgradeProtocolHarness(recipient: FakeUpgradeRecipient())
    harness.vetoed = { donor.freezes > 0 }
    let (outcome, receipt) = try harness.run(donor: donor)
    guard case .failed(let failure) = outcome, case .failed(let newFailure) = receipt else {
      return XCTFail("\(outcome) \(receipt)")
    }
    XCTAssertEqual(failure.notice.reason, .aborted)
    XCTAssertEqual(newFailure.notice.reason, .aborted)
    XCTAssertTrue(newFailure.byPeer)
    XCTAssertEqual(newFailure.stage, .commit)
    XCTAssertEqual([donor.freezes, donor.resumes, donor.relinquishes], [1, 1, 0])
    donor.close()
    XCTAssertEqual(openDescriptorCount(), baseline)
  }

  /// The receiver writes `Committed` only once the coordinator has given up waiting and is
  /// stopping it (the fault hook waits for the stop), then dies: the drain finds it.
  func testALateCommittedIsFoundAfterTheDrain() throws {
    let baseline = openDescriptorCount()
    let donor = try FakeUpgradeDonor()
    let recipient = FakeUpgradeRecipient()
    let harness = UpgradeProtocolHarness(recipient: recipient)
    harness.timeouts = UpgradeTimeouts(overall: .seconds(20), progress: .seconds(20), commit: .milliseconds(100))
    // A blocking pipe: the hook waits in read(2) until the coordinator's stop writes.
    var gate: [Int32] = [-1, -1]
    XCTAssertEqual(pipe(&gate), 0)
    let (gateRead, gateWrite) = (gate[0], gate[1])
    harness.beforeStop = { _ = Glibc.write(gateWrite, [1], 1) }
    harness.fault = { point in
      switch point {
      case .beforeCommitted:
        var byte: UInt8 = 0
        _ = Glibc.read(gateRead, &byte, 1)
        return .proceed
      case .afterCommitted: return .die
      default: return .proceed
      }
    }
    let (outcome, receipt) = try harness.run(donor: donor)

    guard case .committedThenLost(let failure) = outcome else { return XCTFail("\(outcome)") }
    XCTAssertEqual(failure.notice.reason, .timedOut)
    XCTAssertEqual(failure.stage, .commit)
    guard case .failed = receipt else { return XCTFail("\(receipt)") }
    XCTAssertTrue(recipient.committed)
    // Neither resumed nor relinquished: the caller closes the sessions as upgrade_failed.
    XCTAssertEqual([donor.freezes, donor.resumes, donor.relinquishes, donor.listenerReleases], [1, 0, 0, 0])
    recipient.closeReceived()
    _ = Glibc.close(gateRead)
    _ = Glibc.close(gateWrite)
    donor.close()
    XCTAssertEqual(openDescriptorCount(), baseline)
  }

  /// With a real child: no `Hello` within the overall bound, so the child is killed and
  /// reaped (it no longer exists afterwards), and nothing was frozen.
  func testAChildThatNeverSaysHelloIsKilledAndReaped() throws {
    let (old, new) = try DescriptorChannel.makePair()
    defer { new.close() }
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
    defer { argv.forEach { free($0) } }
    XCTAssertEqual(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ), 0)
    let donor = try FakeUpgradeDonor()
    defer { donor.close() }
    let coordinator = UpgradeCoordinator(
      channel: old, donor: donor, identity: UpgradeProtocolHarness.identity, childPID: pid,
      timeouts: UpgradeTimeouts(overall: .milliseconds(100)))
    guard case .failed(let failure) = coordinator.run() else { return XCTFail("not a failure") }
    XCTAssertEqual(failure.notice.reason, .timedOut)
    XCTAssertEqual(failure.stage, .hello)
    XCTAssertEqual([donor.freezes, donor.resumes], [0, 0])
    XCTAssertEqual(kill(pid, 0), -1)
    XCTAssertEqual(errno, ESRCH)
  }
}
