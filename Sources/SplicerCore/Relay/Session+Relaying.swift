import Glibc

/// Relaying: both directions pump until both are finished or one fails. The directions live
/// in the phase's `Relay`, a reference the pumps change in place.
extension Session {
  func pumpBoth() {
    if case .forwardingAfterReset(let relay, let reason, let remaining) = phase {
      pumpAfterReset(relay, remaining, then: reason)
      return
    }
    guard case .relaying(let relay) = phase else { return }
    let resources = worker.resources
    let before = relay.bytesRelayed
    // Once one direction has finished, the other's end closes the session at once, and the
    // close sends its FIN: both sources are at EOF, so no unread byte turns it into a reset. A
    // shutdown(2) just before the close would only cost a call (HAProxy skips it too).
    if relay.toClient.finished { relay.toServer.forwardsEndOfStream = false }
    if relay.toServer.finished { relay.toClient.forwardsEndOfStream = false }
    let budget = worker.fillBudget
    let up = relay.toServer.pump(resources, budget: budget)
    if case .failed(let errno, let onSource) = up {
      countMoved(relay, since: before)
      let reason = socketFailure(errno: errno, onClientSide: onSource)
      if !onSource && reason == .serverReset {
        // The server reset while the client was still sending: its answer may be queued in
        // its socket (an early 413 to an upload). The failed write has taken the socket's
        // error, so reading it now gives those bytes and then 0: forward them without a FIN.
        startForwardingAfterReset(relay, .toClient, then: reason)
      } else {
        close(reason)
      }
      return
    }
    let down = relay.toClient.pump(resources, budget: budget)
    countMoved(relay, since: before)
    if case .failed(let errno, let onSource) = down {
      // A client that reset gets nothing more; what it sent last is not worth a server's wait.
      close(socketFailure(errno: errno, onClientSide: !onSource))
      return
    }
    if up == .finished && down == .finished {
      close(.completed)
      return
    }
    if (up == .yielded || down == .yielded) && !deferredRunQueued {
      deferredRunQueued = true
      worker.loop.runSoon(self)
    }
  }

  /// One peer reset: only `remaining`, the direction that reads from that peer, pumps on, and
  /// never forwards its EOF as a FIN, since the other peer must see the reset. Bounded by the
  /// connect timeout, not the idle timeout: nothing reads the other peer any more, and one
  /// that writes before it reads would never take the bytes.
  private func startForwardingAfterReset(_ relay: Relay, _ remaining: RelaySide, then reason: CloseReason) {
    relay[remaining].forwardsEndOfStream = false
    relay[remaining].sourceReadable = true
    phase = .forwardingAfterReset(relay, reason: reason, remaining: remaining)
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    pumpAfterReset(relay, remaining, then: reason)
  }

  /// Pumps the one direction left; closes with `reason` (a reset of its destination) once the
  /// reset peer's last byte is out, or at once if that direction fails too.
  private func pumpAfterReset(_ relay: Relay, _ remaining: RelaySide, then reason: CloseReason) {
    let before = relay.bytesRelayed
    let outcome = relay[remaining].pump(worker.resources)
    countMoved(relay, since: before)
    switch outcome {
    case .finished, .failed:
      close(reason)
    case .yielded:
      if !deferredRunQueued {
        deferredRunQueued = true
        worker.loop.runSoon(self)
      }
    case .waiting:
      break
    }
  }

  /// Counts the bytes both directions moved since `before` and notes the activity.
  private func countMoved(_ relay: Relay, since before: (toServer: UInt64, toClient: UInt64)) {
    let movedUp = relay.toServer.bytesRelayed &- before.toServer
    let movedDown = relay.toClient.bytesRelayed &- before.toClient
    guard movedUp | movedDown != 0 else { return }
    relay.lastActivity = worker.loop.now
    let stats = worker.stats
    stats.add(listener: listener.counterRow, .bytesClientToServer, movedUp)
    stats.add(listener: listener.counterRow, .bytesServerToClient, movedDown)
    let server = relay.backend.id
    stats.add(server: server, .bytesClientToServer, movedUp)
    stats.add(server: server, .bytesServerToClient, movedDown)
  }
}
