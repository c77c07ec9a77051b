import Glibc
import SplicerCore
import SplicerSystem
import XCTest

/// Runs `UpgradeCoordinator` on the calling thread and `UpgradeReceiver` on a thread of its
/// own over a real socketpair. The coordinator's "stop the child" joins the receiver's
/// thread: after it the receiver can write nothing more, as after `SIGKILL` and `waitpid`.
final class UpgradeProtocolHarness: @unchecked Sendable {
  static let identity = UpgradeIdentity(binaryVersion: "test", bootID: "boot", uid: 1000, pid: 4242)

  var oldIdentity = UpgradeProtocolHarness.identity
  var newIdentity = UpgradeProtocolHarness.identity
  var timeouts = UpgradeTimeouts(overall: .seconds(20), progress: .seconds(20), commit: .seconds(20))
  var vetoed: () -> Bool = { false }
  var fault: UpgradeReceiver.FaultHook?
  var descriptorRoom: () -> Int = UpgradeReceiver.descriptorRoom
  /// Called by the coordinator's stop, before the join: a test's fault hook may wait for it.
  var beforeStop: () -> Void = {}
  var makeRecipient: UpgradeReceiver.MakeRecipient

  private(set) var receipt: UpgradeReceipt?
  private(set) var stops = 0
  private var thread: pthread_t?

  init(recipient: FakeUpgradeRecipient) {
    makeRecipient = { config in
      recipient.config = config
      return recipient
    }
  }

  func run(donor: UpgradeDonor) throws -> (UpgradeOutcome, UpgradeReceipt) {
    let (old, new) = try DescriptorChannel.makePair()
    let receiver = UpgradeReceiver(
      channel: new, identity: newIdentity, timeout: .seconds(20), releaseTimeout: .seconds(20),
      descriptorRoom: descriptorRoom, fault: fault, makeRecipient: makeRecipient)
    let box = ReceiverBox(receiver)
    thread = try Threads.start(name: "upgrade-new") { [self] in self.receipt = box.receiver.run() }
    let hooks = UpgradeCoordinatorHooks(
      vetoed: vetoed,
      stopChild: { [self] in
        stops += 1
        beforeStop()
        join()
      })
    let coordinator = UpgradeCoordinator(
      channel: old, donor: donor, identity: oldIdentity, childPID: nil, timeouts: timeouts, hooks: hooks)
    let outcome = coordinator.run()
    join()
    return (outcome, try XCTUnwrap(receipt))
  }

  private func join() {
    guard let running = thread else { return }
    thread = nil
    Threads.join(running)
  }

  private final class ReceiverBox: @unchecked Sendable {
    let receiver: UpgradeReceiver
    init(_ receiver: UpgradeReceiver) { self.receiver = receiver }
  }
}
