import Glibc
import SplicerConfig
import SplicerHealth
import SplicerProtocol
import SplicerRouting
import SplicerSystem

/// Connecting: choosing servers with the pool's balancer, queueing while every candidate is
/// at its limit, the connect attempts and their retries, and the all-down fallback.
extension Session {
  func connectNextServer() {
    guard let pool else { return }
    while true {
      switch worker.nextServer(&plan, pool: pool, client: clientAddress) {
      case .server(let index):
        let candidate = pool.servers[index]
        guard let address = candidate.currentAddress,
          worker.load.tryAcquire(candidate.id, limit: candidate.maxConnections)
        else {
          // Another worker took the last slot since the balancer looked, or the name lost
          // its address: no connect was made, so the attempt is not spent; ask again (the
          // balancer now sees the server full, and queues the session if all are).
          plan.refundLastAttempt()
          continue
        }
        if startConnect(to: candidate, at: address) { return }
      case .allFull:
        enqueue(pool)
        return
      case .noneAvailable where backend == nil && connectStartedAt == 0:
        allServersDown()
        return
      case .noneAvailable, .exhausted:
        close(.connectFailed)
        return
      }
    }
  }

  /// One attempt; false when it failed at once and the next server should be tried.
  private func startConnect(to candidate: Backend, at address: SocketAddress) -> Bool {
    heldServerSlot = candidate.id
    connectStartedAt = worker.loop.now
    do {
      let (fd, state) = try Socket.startConnect(to: address)
      worker.stats.add(server: candidate.id, .connectAttempts)
      descriptorWaitStartedAt = nil
      server = fd
      backend = candidate
      do {
        try worker.loop.register(fd, events: Self.interest, handler: self)
      } catch {
        close(.resources)
        return true
      }
      if state == .connected {
        connected()
      } else {
        worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
      }
      return true
    } catch {
      releaseServerSlot()
      if error.errno == EMFILE || error.errno == ENFILE {
        waitForDescriptors(error)
        return true
      }
      worker.stats.add(server: candidate.id, .connectAttempts)
      recordConnectFailure(candidate, errno: error.errno)
      return false
    }
  }

  /// Gives back the `ServerLoadBoard` slot, waking a session queued for the pool.
  func releaseServerSlot() {
    guard let id = heldServerSlot else { return }
    heldServerSlot = nil
    worker.load.release(id)
    if let pool { worker.serverSlotFreed(in: pool) }
  }

  // MARK: Queueing

  private func enqueue(_ pool: BackendPool) {
    let now = worker.loop.now
    let deadline = (queuedAt ?? now) &+ pool.queueTimeout
    if queuedAt != nil && now >= deadline {
      close(.queueTimeout)
      return
    }
    // A session woken from the queue that lost the race for the slot goes back to the front.
    guard worker.joinQueue(self, of: pool, atFront: queuedAt != nil) else {
      close(.queueFull)
      return
    }
    if queuedAt == nil {
      queuedAt = now
      worker.stats.add(listener: listener.index, .queued)
    }
    phase = .queued
    worker.loop.schedule(self, at: deadline)
    if !retryingFromQueue && worker.poolHasFreeServer(pool) {
      // A slot came free between the pick and joining the queue, and its release saw no
      // queued session to wake: take it now. Once per joining: if another session takes the
      // slot first, this one stays queued rather than retry in a loop.
      leftQueueToRetry()
    }
  }

  /// Leaves the queue and asks the balancer again, keeping the queue's deadline; a pick that
  /// finds every server full again comes back to `enqueue`, which then keeps the session.
  private func leftQueueToRetry() {
    worker.leaveQueue(self)
    worker.loop.cancelTimer(self)
    phase = .connecting
    retryingFromQueue = true
    connectNextServer()
    retryingFromQueue = false
  }

  /// The queue timeout: one last pick before giving up, so that a slot freed in the same
  /// moment is not left unused while this session closes with `queue_timeout`. A pick that
  /// finds every server still full comes back to `enqueue`, which closes it (the deadline
  /// has passed).
  func queueTimedOut() {
    leftQueueToRetry()
  }

  /// Called by the worker when a server slot of the pool came free.
  func leftQueue() {
    guard phase == .queued else { return }
    worker.loop.cancelTimer(self)
    phase = .connecting
    connectNextServer()
  }

  // MARK: No server up

  /// No server of the pool is up (or all are draining): close, or send the fallback file.
  private func allServersDown() {
    guard let pool, let file = listener.fallbacks[pool.name] else {
      close(.noServerUp)
      return
    }
    phase = .responding
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    sendFallback(file)
  }

  func respondingEvent(_ events: EpollEvents) {
    if fallbackSent {
      // Lingering: the whole file is out and our FIN with it; wait for the client's EOF.
      if events.contains(.error) {
        close(.noServerUp)
      } else {
        // A hang-up here is the client's FIN after ours, and the client's last bytes may have
        // come with it: read them first, or the close would find them unread and reset the
        // connection, dropping the part of the file still in the send queue.
        discardClientInput()
      }
    } else if events.contains(.error) || events.contains(.hangup) {
      close(.socketFailure(errno: Socket.pendingError(client), onClientSide: true))
    } else if events.contains(.writable), let pool, let file = listener.fallbacks[pool.name] {
      sendFallback(file)
    }
  }

  private func sendFallback(_ file: FallbackFile) {
    while fallbackOffset < file.size {
      do {
        switch try Splice.sendFile(file.fd, to: client, offset: &fallbackOffset, count: file.size - fallbackOffset) {
        case .processed(0): break
        case .processed: continue
        case .wouldBlock: return
        }
      } catch {
        close(.socketFailure(errno: error.errno, onClientSide: true))
        return
      }
      break
    }
    Socket.shutdownWrite(client)
    // Closing now would reset the connection if the client sent anything we never read (an
    // HTTP request, say), and a reset makes the client's kernel drop the fallback it has not
    // yet handed to the application. So linger: read and discard until the client's EOF, for
    // at most another connect timeout.
    fallbackSent = true
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    discardClientInput()
  }

  /// Reads and drops what the client sends while the session lingers after the fallback;
  /// closes on the client's EOF or error.
  private func discardClientInput() {
    withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { scratch in
      while true {
        do {
          switch try Splice.read(client, into: scratch) {
          case .wouldBlock: return
          case .processed(0):
            close(.noServerUp)
            return
          case .processed: continue
          }
        } catch {
          close(.noServerUp)
          return
        }
      }
    }
  }

  // MARK: Attempts

  /// The proxy is out of descriptors: rather than drop a client it already accepted, pause
  /// the worker's listeners and try the same server again after the accept back-off.
  private func waitForDescriptors(_ error: SyscallError) {
    plan.repeatLastAttempt()
    if descriptorWaitStartedAt == nil { descriptorWaitStartedAt = worker.loop.now }
    worker.descriptorsExhausted(error)
    worker.loop.schedule(self, at: worker.loop.now &+ Listener.backoffNanoseconds)
  }

  func finishConnect(_ events: EpollEvents) {
    guard events.contains(.writable) || events.contains(.error) || events.contains(.hangup) else { return }
    let error = Socket.pendingError(server)
    if error == 0 && !events.contains(.hangup) {
      connected()
    } else {
      connectFailed(errno: error == 0 ? ECONNREFUSED : error)
    }
  }

  func connectFailed(errno: Int32) {
    if let backend { recordConnectFailure(backend, errno: errno) }
    worker.loop.cancelTimer(self)
    worker.loop.forget(server)
    Socket.close(server)
    server = -1
    backend = nil
    releaseServerSlot()
    connectNextServer()
  }

  private func recordConnectFailure(_ backend: Backend, errno: Int32) {
    let reason = ConnectFailureReason(errno: errno)
    worker.stats.countConnectFailure(server: backend.id, reason)
    if reason.blamesServer { observeFailure(of: backend, what: "connect \(reason)") }
    worker.logger.debug(
      "connect failed",
      metadata: [
        "listener": "\(listener.name)", "server": "\(backend.name)", "reason": "\(reason)",
        "errno": "\(Errno.name(of: errno))",
      ])
  }

  /// Passive checking: counts a failure of `backend` and takes it down after the pool's
  /// `observe.failures` in a row; the active check brings it back.
  func observeFailure(of backend: Backend, what: String) {
    guard let pool, let threshold = pool.observeFailures,
      worker.health.recordConnectFailure(backend.id, threshold: threshold)
    else { return }
    worker.logger.warning(
      "server down",
      metadata: [
        "pool": "\(pool.name)", "server": "\(backend.name)", "observed": "\(what)", "failures": "\(threshold)",
      ])
  }

  private func connected() {
    guard let pool, let backend else { return }
    worker.loop.cancelTimer(self)
    if pool.observeFailures != nil { worker.health.recordConnectSuccess(backend.id) }
    if let version = pool.sendProxy, !sendProxyHeader(version) { return }
    phase = .relaying
    connectedAt = worker.loop.now
    worker.stats.add(server: backend.id, .connected)
    worker.latency.connect[backend.id].recordNanoseconds(Int64(clamping: connectedAt &- connectStartedAt))
    lastActivity = connectedAt
    Socket.setNoDelay(server)
    var up = RelayDirection(source: client, destination: server, mode: listener.mode)
    var down = RelayDirection(source: server, destination: client, mode: listener.mode)
    up.destinationWritable = true
    down.destinationWritable = true
    // Both sources count as readable: the client may have sent before the upstream existed,
    // and a server that speaks first (SMTP, SSH, MySQL) may have sent its greeting in the same
    // epoll report that completed the connect. Edge-triggered readiness would not report
    // either again, so a false start would stall the session until the idle timeout. A spare
    // read attempt costs one EAGAIN.
    up.sourceReadable = true
    down.sourceReadable = true
    up.urgentSignalled = urgentFromClient
    down.urgentSignalled = urgentFromServer
    toServer = up
    toClient = down
    worker.loop.schedule(self, at: lastActivity &+ worker.timeouts.idle)
    pumpBoth()
  }

  /// Writes the PROXY header ahead of any client byte; false (and closed) when it failed.
  private func sendProxyHeader(_ version: ProxyProtocolVersion) -> Bool {
    let destination = destinationAddress ?? (try? Socket.localAddress(client)) ?? clientAddress
    let header =
      switch version {
      case .v1: ProxyHeaderEncoder.v1(source: clientAddress, destination: destination)
      case .v2: ProxyHeaderEncoder.v2(source: clientAddress, destination: destination)
      }
    let outcome = header.withUnsafeBytes { bytes -> Result<IOResult<Int>, SyscallError> in
      do throws(SyscallError) {
        return .success(try Socket.send(server, bytes))
      } catch {
        return .failure(error)
      }
    }
    switch outcome {
    case .success(.processed(header.count)):
      return true
    case .success:
      // A fresh connection's send buffer is empty and far larger than the header (at most a
      // few hundred bytes), so the header goes out whole or the socket is broken.
      close(.serverError)
      return false
    case .failure(let error):
      close(.socketFailure(errno: error.errno, onClientSide: false))
      return false
    }
  }
}
