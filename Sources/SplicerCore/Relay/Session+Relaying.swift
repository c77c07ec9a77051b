/// Relaying: both directions pump until both are finished or one fails.
extension Session {
  func pumpBoth() {
    let resources = worker.resources
    let before = (toServer!.bytesRelayed, toClient!.bytesRelayed)
    let up = toServer!.pump(resources)
    let down = toClient!.pump(resources)
    let movedUp = toServer!.bytesRelayed &- before.0
    let movedDown = toClient!.bytesRelayed &- before.1
    if movedUp | movedDown != 0 {
      lastActivity = worker.loop.now
      let stats = worker.stats
      stats.add(listener: listener.index, .bytesClientToServer, movedUp)
      stats.add(listener: listener.index, .bytesServerToClient, movedDown)
      let server = backend!.id
      stats.add(server: server, .bytesClientToServer, movedUp)
      stats.add(server: server, .bytesServerToClient, movedDown)
    }
    if case .failed(let errno, let onSource) = up {
      close(.socketFailure(errno: errno, onClientSide: onSource))
      return
    }
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
}
