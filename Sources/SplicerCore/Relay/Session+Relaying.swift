/// Relaying: both directions pump until both are finished or one fails.
extension Session {
  func pumpBoth() {
    let resources = worker.resources
    let before = (toServer!.bytesRelayed, toClient!.bytesRelayed)
    let up = toServer!.pump(resources)
    if case .failed(let errno, let onSource) = up {
      // Close before the other direction runs. A failed write to the server has just taken
      // the socket's pending error (ECONNRESET), so a read of that socket now would return 0,
      // an EOF, and the client would get a FIN, a clean end of a cut-off reply, before the
      // close could reset it.
      countMoved(since: before)
      close(.socketFailure(errno: errno, onClientSide: onSource))
      return
    }
    let down = toClient!.pump(resources)
    countMoved(since: before)
    if case .failed(let errno, let onSource) = down {
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
