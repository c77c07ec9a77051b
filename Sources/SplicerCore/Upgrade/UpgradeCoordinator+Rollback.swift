import Glibc
import SplicerSystem

/// Rollback (design §8.3): tell the child, stop it, look for a `Committed` it may have
/// written after all (§3.3), then resume the donor, or leave the sessions to the caller.
extension UpgradeCoordinator {
  func rollBack(_ stop: UpgradeStop) -> UpgradeOutcome {
    if stop.tellPeer {
      _ = try? link.send(.abort(stop.notice), deadline: farewellDeadline)
    }
    stopChild()
    let drained = drain()
    link.close()
    var failure = UpgradeFailure(stop.notice, stage: stage, byPeer: stop.byPeer)
    // A send that found the channel closed hides why the peer closed it: its Refuse or Abort,
    // if it sent one, says.
    if stop.channelClosed, !stop.byPeer, let notice = drained.peerNotice {
      failure = UpgradeFailure(notice, stage: stage, byPeer: true)
    }
    if drained.committed { return .committedThenLost(failure) }
    if frozen { donor.resume() }
    // Joined now, not before the resume: the sessions do not wait for the read.
    histogramRead = nil
    return .failed(failure)
  }

  /// After this the child can write nothing more to the channel.
  private func stopChild() {
    if let stop = hooks.stopChild {
      stop()
      return
    }
    guard let pid = childPID else { return }
    _ = kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }

  /// Reads what the channel still holds without waiting: whether a `Committed` is among it,
  /// and the peer's last `Refuse` or `Abort`. A datagram that does not decode is skipped; the
  /// end of the channel or nothing more to read ends the drain; other errors (a reset
  /// reported once) are skipped, a bounded number of times.
  private func drain() -> (committed: Bool, peerNotice: UpgradeNotice?) {
    var committed = false
    var notice: UpgradeNotice?
    var errors = 0
    while errors < 16 {
      let message: DescriptorMessage
      do {
        message = try link.channel.receive(deadline: 0)
      } catch {
        if error.reason == .endOfStream || error.reason == .timedOut { break }
        errors += 1
        continue
      }
      message.closeDescriptors()
      guard let envelope = try? UpgradeWire.decode(message.data, descriptorCount: message.descriptors.count) else {
        continue
      }
      switch envelope.message {
      case .committed: committed = true
      case .refuse(let peer), .abort(let peer): notice = peer
      default: break
      }
    }
    return (committed, notice)
  }
}
