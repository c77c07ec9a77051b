import Glibc

/// Relaying: both directions pump until both are finished or one fails.
extension Session {
  func pumpBoth() {
    if case .forwardingAfterReset(let reason, let remaining) = phase {
      pumpAfterReset(remaining, then: reason)
      return
    }
    let resources = worker.resources
    let before = (toServer!.bytesRelayed, toClient!.bytesRelayed)
    let up = toServer!.pump(resources)
    if case .failed(let errno, let onSource) = up {
      countMoved(since: before)
      let reason = CloseReason.socketFailure(errno: errno, onClientSide: onSource)
      if !onSource && reason == .serverReset {
        // The server reset while the client was still sending: its answer may be queued in
        // its socket (an early 413 to an upload). The failed write has taken the socket's
        // error, so reading it now gives those bytes and then 0: forward them without a FIN.
        startForwardingAfterReset(.toClient, then: reason)
      } else {
        close(reason)
      }
      return
    }
    let down = toClient!.pump(resources)
    countMoved(since: before)
    if case .failed(let errno, let onSource) = down {
      // A client that reset gets nothing more; what it sent last is not worth a server's wait.
      close(.socketFailure(errno: errno, onClientSide: !onSource))
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
  private func startForwardingAfterReset(_ remaining: RelaySide, then reason: CloseReason) {
    phase = .forwardingAfterReset(reason: reason, remaining: remaining)
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    switch remaining {
    case .toClient:
      toClient!.forwardsEndOfStream = false
      toClient!.sourceReadable = true
    case .toServer:
      toServer!.forwardsEndOfStream = false
      toServer!.sourceReadable = true
    }
    pumpAfterReset(remaining, then: reason)
  }

  /// Pumps the one direction left; closes with `reason` (a reset of its destination) once the
  /// reset peer's last byte is out, or at once if that direction fails too.
  private func pumpAfterReset(_ remaining: RelaySide, then reason: CloseReason) {
    let before = (toServer!.bytesRelayed, toClient!.bytesRelayed)
    let outcome =
      switch remaining {
      case .toClient: toClient!.pump(worker.resources)
      case .toServer: toServer!.pump(worker.resources)
      }
    countMoved(since: before)
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
  private func countMoved(since before: (UInt64, UInt64)) {
    let movedUp = toServer!.bytesRelayed &- before.0
    let movedDown = toClient!.bytesRelayed &- before.1
    guard movedUp | movedDown != 0 else { return }
    lastActivity = worker.loop.now
    let stats = worker.stats
    stats.add(listener: listener.index, .bytesClientToServer, movedUp)
    stats.add(listener: listener.index, .bytesServerToClient, movedDown)
    let server = backend!.id
    stats.add(server: server, .bytesClientToServer, movedUp)
    stats.add(server: server, .bytesServerToClient, movedDown)
  }
}
