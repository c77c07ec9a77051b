import SplicerSystem

/// Closing: releasing everything the session holds, counting and logging it.
extension Session {
  /// Releases everything the session holds (its own client socket and listener slot, and
  /// what its phase owns), logs it and counts it. Idempotent.
  func close(_ reason: CloseReason) {
    let ending = phase
    if ending.isClosed { return }
    let relay = ending.relay
    let upstream = ending.upstream
    var answer: FallbackAnswer?
    if case .answering(let fallback) = ending { answer = fallback }
    // A timeout or shutdown that strands bytes in a pipe truncates the stream: the peers must
    // see a reset then too, not a FIN that would pass for a complete transfer. So does a
    // fallback answer cut off before its last byte was handed to the kernel (a client too
    // slow to read it within the timeout).
    let stranded = (relay?.hasPendingBytes ?? false) || !(answer?.sent ?? true)
    let abort = reason.abortsConnection || stranded
    if reason == .serverReset, let upstream { observeFailure(of: upstream.backend, what: "reset") }
    if case .queued = ending { worker.leaveQueue(self) }
    let tcp = readTCPInfo(relay)
    phase = .closed
    worker.loop.cancelTimer(self)
    relay?.release(worker.resources, aborted: abort)
    closeSocket(client, abort: abort)
    if let upstream {
      closeSocket(upstream.server, abort: abort)
      releaseServerSlot(of: upstream.backend)
    }
    if listener.limit.release() { worker.listenerCapacityFreed(listener.limit) }
    worker.stats.countClose(listener: listener.counterRow, reason)
    let duration = worker.loop.now &- timeline.acceptedAt
    worker.latency.duration[listener.counterRow].recordNanoseconds(Int64(clamping: duration))
    if let relay { worker.stats.add(server: relay.backend.id, .closed) }
    worker.sessionClosed(self)
    if worker.accessLog.isEnabled {
      logAccess(
        reason, server: upstream?.backend.name, bytes: relay?.bytesRelayed ?? (0, UInt64(answer?.offset ?? 0)), tcp: tcp
      )
    }
  }

  private func closeSocket(_ fd: Int32, abort: Bool) {
    worker.loop.forget(fd)
    if abort { Socket.setResetOnClose(fd) }
    Socket.close(fd)
  }

  /// `bytes`: relayed to each side; for a session that never relayed, to the client, the
  /// part of the fallback file sent.
  private func logAccess(
    _ reason: CloseReason, server: String?, bytes: (toServer: UInt64, toClient: UInt64),
    tcp: (client: TCPInfo?, server: TCPInfo?)
  ) {
    let now = worker.loop.now
    worker.accessLog.write(
      AccessLogEntry(
        client: clientAddress, peer: clientAddress != peerAddress ? peerAddress : nil, listener: listener.name,
        pool: pool?.name, server: server, bytesToServer: bytes.toServer, bytesToClient: bytes.toClient,
        connectNanoseconds: timeline.connectNanoseconds, durationNanoseconds: now &- timeline.acceptedAt,
        queuedNanoseconds: timeline.queuedNanoseconds(now: now), reason: reason, serverName: serverName,
        clientTCP: tcp.client, serverTCP: tcp.server))
  }
}
