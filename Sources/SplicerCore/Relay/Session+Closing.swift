import Logging
import SplicerSystem

/// Closing: releasing everything the session holds, counting and logging it.
extension Session {
  /// Releases everything the session holds, logs it and counts it. Idempotent.
  func close(_ reason: CloseReason) {
    guard phase != .closed else { return }
    // A timeout or shutdown that strands bytes in a pipe truncates the stream: the peers must
    // see a reset then too, not a FIN that would pass for a complete transfer. So does a
    // fallback answer cut off before its last byte was handed to the kernel (a client too
    // slow to read it within the timeout).
    let stranded =
      (toServer?.hasPendingBytes ?? false) || (toClient?.hasPendingBytes ?? false)
      || (phase == .responding && !fallbackSent)
    let abort = reason.abortsConnection || stranded
    if reason == .serverReset, let backend { observeFailure(of: backend, what: "reset") }
    if phase == .queued { worker.leaveQueue(self) }
    phase = .closed
    let loop = worker.loop
    loop.cancelTimer(self)
    toServer?.release(worker.resources)
    toClient?.release(worker.resources)
    closeSocket(client, abort: abort)
    if server >= 0 { closeSocket(server, abort: abort) }
    server = -1
    releaseServerSlot()
    if listener.limit.release() { worker.listenerCapacityFreed(listener.limit) }
    worker.stats.countClose(listener: listener.index, reason)
    worker.latency.duration[listener.index].recordNanoseconds(Int64(clamping: worker.loop.now &- acceptedAt))
    if connectedAt > 0, let backend { worker.stats.add(server: backend.id, .closed) }
    worker.sessionClosed(self)
    if worker.accessLog.isEnabled { logAccess(reason) }
  }

  private func closeSocket(_ fd: Int32, abort: Bool) {
    worker.loop.forget(fd)
    if abort { Socket.setResetOnClose(fd) }
    Socket.close(fd)
  }

  private func logAccess(_ reason: CloseReason) {
    let now = worker.loop.now
    worker.accessLog.write(
      AccessLogEntry(
        client: clientAddress, peer: clientAddress != peerAddress ? peerAddress : nil, listener: listener.name,
        pool: pool?.name, server: backend?.name, bytesToServer: toServer?.bytesRelayed ?? 0,
        bytesToClient: toClient?.bytesRelayed ?? UInt64(fallbackOffset),
        connectNanoseconds: connectedAt > 0 ? connectedAt &- connectStartedAt : 0,
        durationNanoseconds: now &- acceptedAt,
        queuedNanoseconds: queuedAt.map { queuedAt in (connectStartedAt > queuedAt ? connectStartedAt : now) &- queuedAt
        },
        reason: reason, serverName: serverName))
  }
}
