import Glibc
import SplicerCore
import SplicerSystem
import XCTest

/// The handover protocol end to end, both state machines over a real socketpair: a full
/// upgrade, and the refusals that come before anything is frozen.
final class UpgradeHandoverProtocolTests: XCTestCase {
  func testAFullUpgradeMovesEveryRecordAndDescriptor() throws {
    let baseline = openDescriptorCount()
    let donor = try FakeUpgradeDonor()
    let recipient = FakeUpgradeRecipient()
    let harness = UpgradeProtocolHarness(recipient: recipient)
    let (outcome, receipt) = try harness.run(donor: donor)

    XCTAssertEqual(outcome, .upgraded(newPID: UpgradeProtocolHarness.identity.pid))
    XCTAssertEqual(receipt, .adopted(pendingReload: false, released: true))
    XCTAssertEqual(
      [donor.freezes, donor.resumes, donor.relinquishes, donor.listenerReleases, harness.stops], [1, 0, 1, 1, 0])
    XCTAssertTrue(recipient.committed)
    XCTAssertEqual(recipient.config, donor.runningConfig())
    XCTAssertEqual(recipient.listeners.count, donor.listeners.count)
    XCTAssertEqual(recipient.received.count, donor.descriptorTotal)
    XCTAssertEqual(recipient.seeded?.0, donor.counters())
    XCTAssertEqual(recipient.seeded?.1, donor.health())

    // Every record arrives whole, spilled bytes put back, each reference on the same file.
    XCTAssertEqual(recipient.sessions.count, donor.allSessions.count)
    for (sent, got) in zip(donor.allSessions, recipient.sessions) {
      XCTAssertEqual(got.record.mappingDescriptors { _ in 0 }, sent.record.mappingDescriptors { _ in 0 })
      XCTAssertEqual(got.files, sent.record.descriptorReferences.map { fileIdentity(sent.descriptors[Int($0)])! })
    }
    XCTAssertEqual(recipient.mirrors.map(\.record.id), donor.allMirrors.map(\.record.id))

    // The ledger let go at the commit: the recipient owns what arrived.
    recipient.closeReceived()
    donor.close()
    XCTAssertEqual(openDescriptorCount(), baseline)
  }

  func testTheOldProcessRefusesAVersionItDoesNotSpeak() throws {
    let donor = try FakeUpgradeDonor()
    defer { donor.close() }
    let harness = UpgradeProtocolHarness(recipient: FakeUpgradeRecipient())
    harness.newIdentity.supported = (UpgradeWire.version + 1)...(UpgradeWire.version + 2)
    let (outcome, receipt) = try harness.run(donor: donor)

    guard case .failed(let failure) = outcome, case .failed(let newFailure) = receipt else {
      return XCTFail("\(outcome) \(receipt)")
    }
    XCTAssertEqual(failure.notice.reason, .incompatibleVersion)
    XCTAssertEqual(failure.stage, .hello)
    XCTAssertEqual(newFailure.notice.reason, .incompatibleVersion)
    XCTAssertTrue(newFailure.byPeer)
    XCTAssertEqual([donor.freezes, donor.resumes], [0, 0])
  }

  func testTheOldProcessRefusesAnotherBootOrUser() throws {
    for (label, change) in [("boot", { (id: inout UpgradeIdentity) in id.bootID = "other" }), ("uid", { $0.uid = 0 })] {
      let donor = try FakeUpgradeDonor()
      defer { donor.close() }
      let harness = UpgradeProtocolHarness(recipient: FakeUpgradeRecipient())
      change(&harness.newIdentity)
      let (outcome, _) = try harness.run(donor: donor)
      guard case .failed(let failure) = outcome else { return XCTFail("\(label): \(outcome)") }
      XCTAssertEqual(failure.notice.reason, label == "boot" ? .bootMismatch : .uidMismatch, label)
      XCTAssertEqual(donor.freezes, 0, label)
    }
  }

  /// The new side checks `Welcome` too: an old process that chose outside its range (played
  /// here by hand) is refused.
  func testTheNewProcessRefusesAVersionItDoesNotSpeak() throws {
    let (old, new) = try DescriptorChannel.makePair()
    defer { old.close() }
    var identity = UpgradeProtocolHarness.identity
    identity.supported = (UpgradeWire.version + 1)...(UpgradeWire.version + 1)
    let receiver = UpgradeReceiver(channel: new, identity: identity, timeout: .seconds(20)) { _ in
      FakeUpgradeRecipient()
    }
    let box = PeerBox(receiver: receiver)
    let thread = try Threads.start(name: "upgrade-new") { box.receipt = box.receiver.run() }
    let deadline = MonotonicClock.now() + 20_000_000_000
    let hello = try UpgradeWire.decode(try old.receive(deadline: deadline).data, descriptorCount: 0)
    guard case .hello = hello.message else { return XCTFail("\(hello.message)") }
    let welcome = UpgradeWelcome(
      chosenVersion: UpgradeWire.version, oldBinaryVersion: "old", oldPID: 1, freezeTimeout: 0)
    try old.send(UpgradeWire.encode(.welcome(welcome), sequence: 0), deadline: deadline)
    let answer = try UpgradeWire.decode(try old.receive(deadline: deadline).data, descriptorCount: 0)
    Threads.join(thread)
    guard case .refuse(let notice) = answer.message else { return XCTFail("\(answer.message)") }
    XCTAssertEqual(notice.reason, .incompatibleVersion)
    guard case .failed(let failure) = box.receipt else { return XCTFail("\(String(describing: box.receipt))") }
    XCTAssertEqual(failure.stage, .hello)
  }

  func testARecipientThatCannotBeMadeRefusesBeforeTheFreeze() throws {
    struct Unreadable: Error {}
    let cases: [(String, any Error, UpgradeRefusal)] = [
      ("notice", UpgradeNotice(.configInvalid, "splicer.yaml:3: unknown key"), .configInvalid),
      ("any error", Unreadable(), .runningConfigUnreadable),
    ]
    for (label, error, reason) in cases {
      let baseline = openDescriptorCount()
      let donor = try FakeUpgradeDonor()
      let harness = UpgradeProtocolHarness(recipient: FakeUpgradeRecipient())
      harness.makeRecipient = { _ in throw error }
      let (outcome, receipt) = try harness.run(donor: donor)
      guard case .failed(let failure) = outcome, case .failed(let newFailure) = receipt else {
        return XCTFail("\(label): \(outcome) \(receipt)")
      }
      XCTAssertEqual(failure.notice.reason, reason, label)
      XCTAssertTrue(failure.byPeer, label)
      XCTAssertEqual(newFailure.stage, .runningConfig, label)
      XCTAssertEqual([donor.freezes, donor.resumes], [0, 0], label)
      donor.close()
      XCTAssertEqual(openDescriptorCount(), baseline, label)
    }
  }

  func testTooLittleDescriptorRoomIsRefused() throws {
    let donor = try FakeUpgradeDonor()
    defer { donor.close() }
    let harness = UpgradeProtocolHarness(recipient: FakeUpgradeRecipient())
    harness.descriptorRoom = { 3 }
    let (outcome, _) = try harness.run(donor: donor)
    guard case .failed(let failure) = outcome else { return XCTFail("\(outcome)") }
    XCTAssertEqual(failure.notice.reason, .descriptorLimit)
    XCTAssertEqual(donor.freezes, 0)
  }

  private final class PeerBox: @unchecked Sendable {
    let receiver: UpgradeReceiver
    var receipt: UpgradeReceipt?
    init(receiver: UpgradeReceiver) { self.receiver = receiver }
  }
}
