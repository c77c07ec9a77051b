import Glibc
import SplicerConfig
import SplicerHealth
import SplicerProtocol
import SplicerRouting
import SplicerSystem

/// Connecting: choosing servers with the pool's balancer, the connect attempts and their
/// retries, and the wait for a descriptor. Queueing and the all-down answer have files of
/// their own.
extension Session {
  /// Asks the plan for the next step and takes it: an attempt, the queue, the fallback
  /// answer, or a close. Runs in `choosingServer`, with the plan as an argument.
  /// `descriptorWaitSince` is the start of a descriptor wait this pick continues;
  /// `retryingFromQueue` says the pick follows a queue joining (`leftQueueToRetry`).
  func connectNextServer(
    _ plan: ConnectPlan, descriptorWaitSince: UInt64? = nil, retryingFromQueue: Bool = false
  ) {
    guard let pool else { return }
    var plan = plan
    while true {
      switch worker.nextServer(&plan, pool: pool, client: clientAddress) {
      case .server(let index):
        let candidate = pool.servers[index]
        guard let address = candidate.currentAddress,
          worker.serverLoad.tryAcquire(candidate.id, limit: candidate.maxConnections)
        else {
          // Another worker took the last slot since the balancer looked, or the name lost
          // its address: no connect was made, so the attempt is not spent; ask again (the
          // balancer now sees the server full, and queues the session if all are).
          plan.refundLastAttempt()
          continue
        }
        if startConnect(plan, to: candidate, at: address, descriptorWaitSince: descriptorWaitSince) { return }
      case .allFull:
        enqueue(plan, in: pool, retryingFromQueue: retryingFromQueue)
        return
      case .noneAvailable where timeline.connectStartedAt == nil:
        allServersDown()
        return
      case .noneAvailable, .exhausted:
        close(.connectFailed)
        return
      }
    }
  }

  /// One attempt, with the candidate's slot already taken; false when it failed at once (the
  /// slot given back) and the next server should be tried.
  private func startConnect(
    _ plan: ConnectPlan, to candidate: Backend, at address: SocketAddress, descriptorWaitSince: UInt64?
  ) -> Bool {
    timeline.connectStartedAt = worker.loop.now
    let started: (fd: Int32, state: Socket.ConnectStart)
    do throws(SyscallError) {
      started = try Socket.startConnect(to: address, keepalive: pool?.serverKeepalive)
    } catch {
      releaseServerSlot(of: candidate)
      if error.errno == EMFILE || error.errno == ENFILE {
        waitForDescriptors(plan, since: descriptorWaitSince, error)
        return true
      }
      worker.stats.add(server: candidate.id, .connectAttempts)
      recordConnectFailure(candidate, errno: error.errno)
      return false
    }
    worker.stats.add(server: candidate.id, .connectAttempts)
    let attempt = ConnectAttempt(server: started.fd, backend: candidate)
    // From here the phase owns the socket and the slot, so a close releases them.
    phase = .connecting(plan, attempt)
    do {
      try worker.loop.register(attempt.server, events: Self.interest, handler: self)
    } catch {
      close(.resources)
      return true
    }
    if started.state == .connected {
      // No event has said what the server sent yet: the relay must look.
      connected(attempt, serverReadable: true)
    } else {
      worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    }
    return true
  }

  /// Gives back `backend`'s `ServerLoadBoard` slot, waking a session queued for the pool.
  func releaseServerSlot(of backend: Backend) {
    worker.serverLoad.release(backend.id)
    if let pool { worker.serverSlotFreed(in: pool) }
  }

  // MARK: Attempts

  /// The proxy is out of descriptors: rather than drop a client it already accepted, pause
  /// the worker's listeners and try the same server again after the accept back-off. A wait
  /// that continues (`since`) keeps its start, so the connect timeout bounds it as a whole.
  private func waitForDescriptors(_ plan: ConnectPlan, since: UInt64?, _ error: SyscallError) {
    var plan = plan
    plan.repeatLastAttempt()
    phase = .waitingForDescriptors(plan, since: since ?? worker.loop.now)
    worker.descriptorsExhausted(error)
    worker.loop.schedule(self, at: worker.loop.now &+ Listener.backoffNanoseconds)
  }

  func finishConnect(_ events: EpollEvents, _ plan: ConnectPlan, _ attempt: ConnectAttempt) {
    let failed = events.contains(.error) || events.contains(.hangup)
    guard events.contains(.writable) || failed else { return }
    // epoll reports a failed connect with EPOLLERR (and EPOLLHUP): writable without either is
    // an established connection, so SO_ERROR is asked only when one of them came (HAProxy's
    // sock_conn_check trusts epoll the same way). The event also says whether the server has
    // already sent something; edge-triggered, it is the only report of it.
    let serverReadable = events.contains(.readable) || events.contains(.readHangup)
    if !failed {
      connected(attempt, serverReadable: serverReadable)
      return
    }
    let error = Socket.pendingError(attempt.server)
    if error == 0 && !events.contains(.hangup) {
      connected(attempt, serverReadable: serverReadable)
    } else {
      connectFailed(plan, attempt, errno: error == 0 ? ECONNREFUSED : error)
    }
  }

  /// The attempt failed: its socket is closed, its slot given back, and the plan asked again.
  func connectFailed(_ plan: ConnectPlan, _ attempt: ConnectAttempt, errno: Int32) {
    recordConnectFailure(attempt.backend, errno: errno)
    worker.loop.cancelTimer(self)
    phase = .choosingServer
    worker.loop.forget(attempt.server)
    Socket.close(attempt.server)
    releaseServerSlot(of: attempt.backend)
    connectNextServer(plan)
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

  /// The attempt's socket is connected: it and the server's slot pass to the `Relay`.
  /// `serverReadable`: the server may have sent bytes already (see `Relay.init`).
  private func connected(_ attempt: ConnectAttempt, serverReadable: Bool) {
    worker.loop.cancelTimer(self)
    let backend = attempt.backend
    if pool?.observeFailures != nil { worker.health.recordConnectSuccess(backend.id) }
    if let version = pool?.sendProxy, !sendProxyHeader(version, to: attempt.server) { return }
    let now = worker.loop.now
    timeline.connectedAt = now
    worker.stats.add(server: backend.id, .connected)
    worker.latency.connect[backend.id].recordNanoseconds(Int64(clamping: timeline.connectNanoseconds))
    Socket.setNoDelay(attempt.server)
    let relay = Relay(
      client: client, attempt: attempt, mode: listener.mode, urgentFromClient: urgentFromClient,
      urgentFromServer: urgentFromServer, serverReadable: serverReadable, now: now)
    phase = .relaying(relay)
    startMirror(relay)
    startPacing()
    worker.loop.schedule(self, at: relayDeadline(relay))
    pumpBoth()
  }

  /// Writes the PROXY header ahead of any client byte; false (and closed) when it failed.
  private func sendProxyHeader(_ version: ProxyProtocolVersion, to server: Int32) -> Bool {
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
      close(socketFailure(errno: error.errno, onClientSide: false))
      return false
    }
  }
}
