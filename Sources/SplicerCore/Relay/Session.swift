import Glibc
import Logging
import SplicerConfig
import SplicerRouting
import SplicerSystem

/// One client connection and its upstream connection, from accept to close.
///
/// Owns both sockets (and closes them); its two `RelayDirection`s borrow them. Lives on one
/// worker's thread. The phases are: connecting (trying servers in turn, each attempt bounded
/// by the connect timeout), relaying (both directions pumping, bounded by the idle timeout),
/// closed.
final class Session: EventHandler, TimerTarget, DeferredWork {
  enum Phase {
    case connecting
    case relaying
    /// No server is up: sending the pool's fallback file, then closing.
    case responding
    case closed
  }

  let client: Int32
  let clientAddress: SocketAddress
  let listener: ListenerContext
  private unowned let worker: Worker
  private(set) var phase = Phase.connecting
  private var server: Int32 = -1
  private var backend: Backend?
  private var plan: ConnectPlan
  private var toServer: RelayDirection?
  private var toClient: RelayDirection?
  private let acceptedAt: UInt64
  private var connectStartedAt: UInt64 = 0
  private var connectedAt: UInt64 = 0
  private var lastActivity: UInt64
  private var deferredRunQueued = false
  /// When the session began waiting for a free descriptor to open its upstream socket.
  private var descriptorWaitStartedAt: UInt64?
  /// Bytes of the fallback file sent so far.
  private var fallbackOffset = 0
  /// The fallback file has been sent in full; the session lingers for the client's EOF.
  private var fallbackSent = false

  /// Position in the worker's session list, for O(1) removal.
  var listIndex = -1
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  init(client: Int32, clientAddress: SocketAddress, listener: ListenerContext, worker: Worker) {
    self.client = client
    self.clientAddress = clientAddress
    self.listener = listener
    self.worker = worker
    self.plan = ConnectPlan(serverCount: listener.pool.servers.count, retries: listener.pool.retries)
    acceptedAt = worker.loop.now
    lastActivity = acceptedAt
  }

  /// Registers the client socket and starts the first connect attempt.
  func start() {
    Socket.setNoDelay(client)
    do {
      try worker.loop.register(client, events: Self.interest, handler: self)
    } catch {
      close(.resources)
      return
    }
    connectNextServer()
  }

  /// Edge-triggered, both directions at once, and the peer's half-close.
  static let interest: EpollEvents = [.readable, .writable, .readHangup, .edgeTriggered]

  // MARK: Events

  func handle(_ events: EpollEvents, fd: Int32) {
    switch phase {
    case .closed:
      return
    case .responding:
      if fallbackSent {
        // Lingering: the whole file is out and our FIN with it; wait for the client's EOF.
        if events.contains(.error) || events.contains(.hangup) {
          close(.noServerUp)
        } else {
          discardClientInput()
        }
      } else if events.contains(.error) || events.contains(.hangup) {
        close(.socketFailure(errno: Socket.pendingError(client), onClientSide: true))
      } else if events.contains(.writable) {
        sendFallback()
      }
    case .connecting:
      if fd == server {
        finishConnect(events)
      } else if events.contains(.error) || events.contains(.hangup) {
        // The client reset before we had a server for it.
        close(.socketFailure(errno: Socket.pendingError(client), onClientSide: true))
      }
    // Other client readiness needs no note: relaying starts by trying both sources.
    case .relaying:
      let failed = events.contains(.error) || events.contains(.hangup)
      let readable = failed || events.contains(.readable) || events.contains(.readHangup)
      let writable = failed || events.contains(.writable)
      if fd == client {
        if readable { toServer!.sourceReadable = true }
        if writable { toClient!.destinationWritable = true }
      } else {
        if readable { toClient!.sourceReadable = true }
        if writable { toServer!.destinationWritable = true }
      }
      pumpBoth()
    }
  }

  func runDeferred() {
    deferredRunQueued = false
    if phase == .relaying { pumpBoth() }
  }

  func timerFired(now: UInt64) {
    switch phase {
    case .connecting:
      if let waitStarted = descriptorWaitStartedAt {
        // Waiting for a descriptor counts against the connect timeout, so it is bounded too.
        if now &- waitStarted >= worker.timeouts.connect {
          close(.resources)
        } else {
          connectNextServer()
        }
      } else {
        connectFailed(errno: ETIMEDOUT)
      }
    case .responding:
      // A client that does not read the fallback, or does not close after it, within the
      // connect timeout is dropped.
      close(.noServerUp)
    case .relaying:
      let idle = worker.timeouts.idle
      if now &- lastActivity >= idle {
        close(.idleTimeout)
      } else {
        worker.loop.schedule(self, at: lastActivity &+ idle)
      }
    case .closed:
      break
    }
  }

  // MARK: Connecting

  private func connectNextServer() {
    let pool = listener.pool
    let health = worker.health
    let available = { (index: Int) in !pool.servers[index].draining && health.isUp(pool.servers[index].id) }
    while let index = worker.nextServer(&plan, poolSlot: listener.poolSlot, isAvailable: available) {
      let candidate = pool.servers[index]
      connectStartedAt = worker.loop.now
      do {
        let (fd, state) = try Socket.startConnect(to: candidate.address)
        worker.stats.add(server: candidate.id, .connectAttempts)
        descriptorWaitStartedAt = nil
        server = fd
        backend = candidate
        do {
          try worker.loop.register(fd, events: Self.interest, handler: self)
        } catch {
          close(.resources)
          return
        }
        if state == .connected {
          connected()
        } else {
          worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
        }
        return
      } catch {
        if error.errno == EMFILE || error.errno == ENFILE {
          waitForDescriptors(error)
          return
        }
        worker.stats.add(server: candidate.id, .connectAttempts)
        recordConnectFailure(candidate, errno: error.errno)
      }
    }
    if backend == nil && connectStartedAt == 0 {
      allServersDown()
    } else {
      close(.connectFailed)
    }
  }

  /// No server of the pool is up (or all are draining): close, or send the fallback file.
  private func allServersDown() {
    guard listener.fallback != nil else {
      close(.noServerUp)
      return
    }
    phase = .responding
    worker.loop.schedule(self, at: worker.loop.now &+ worker.timeouts.connect)
    sendFallback()
  }

  private func sendFallback() {
    guard let file = listener.fallback else { return }
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

  /// The proxy is out of descriptors: rather than drop a client it already accepted, pause
  /// the worker's listeners and try the same server again after the accept back-off.
  private func waitForDescriptors(_ error: SyscallError) {
    plan.repeatLastAttempt()
    if descriptorWaitStartedAt == nil { descriptorWaitStartedAt = worker.loop.now }
    worker.descriptorsExhausted(error)
    worker.loop.schedule(self, at: worker.loop.now &+ Listener.backoffNanoseconds)
  }

  private func finishConnect(_ events: EpollEvents) {
    guard events.contains(.writable) || events.contains(.error) || events.contains(.hangup) else { return }
    let error = Socket.pendingError(server)
    if error == 0 && !events.contains(.hangup) {
      connected()
    } else {
      connectFailed(errno: error == 0 ? ECONNREFUSED : error)
    }
  }

  private func connectFailed(errno: Int32) {
    if let backend { recordConnectFailure(backend, errno: errno) }
    worker.loop.cancelTimer(self)
    worker.loop.forget(server)
    Socket.close(server)
    server = -1
    backend = nil
    connectNextServer()
  }

  private func recordConnectFailure(_ backend: Backend, errno: Int32) {
    let reason = ConnectFailureReason(errno: errno)
    worker.stats.countConnectFailure(server: backend.id, reason)
    observeFailure(of: backend, what: "connect \(reason)")
    worker.logger.debug(
      "connect failed",
      metadata: [
        "listener": "\(listener.name)", "server": "\(backend.endpoint)", "reason": "\(reason)",
        "errno": "\(Errno.name(of: errno))",
      ])
  }

  /// Passive checking: counts a failure of `backend` and takes it down after the pool's
  /// `observe.failures` in a row; the active check brings it back.
  private func observeFailure(of backend: Backend, what: String) {
    guard let threshold = listener.pool.observeFailures,
      worker.health.recordConnectFailure(backend.id, threshold: threshold)
    else { return }
    worker.logger.warning(
      "server down",
      metadata: [
        "pool": "\(listener.pool.name)", "server": "\(backend.endpoint)", "observed": "\(what)",
        "failures": "\(threshold)",
      ])
  }

  private func connected() {
    worker.loop.cancelTimer(self)
    if listener.pool.observeFailures != nil { worker.health.recordConnectSuccess(backend!.id) }
    phase = .relaying
    connectedAt = worker.loop.now
    worker.stats.add(server: backend!.id, .connected)
    worker.latency.connect[backend!.id].recordNanoseconds(Int64(clamping: connectedAt &- connectStartedAt))
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
    toServer = up
    toClient = down
    worker.loop.schedule(self, at: lastActivity &+ worker.timeouts.idle)
    pumpBoth()
  }

  // MARK: Relaying

  private func pumpBoth() {
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

  // MARK: Closing

  /// Releases everything the session holds, logs it and counts it. Idempotent.
  func close(_ reason: CloseReason) {
    guard phase != .closed else { return }
    // A timeout or shutdown that strands bytes in a pipe truncates the stream: the peers must
    // see a reset then too, not a FIN that would pass for a complete transfer.
    let stranded = (toServer?.hasPendingBytes ?? false) || (toClient?.hasPendingBytes ?? false)
    let abort = reason.abortsConnection || stranded
    if reason == .serverReset, let backend { observeFailure(of: backend, what: "reset") }
    phase = .closed
    let loop = worker.loop
    loop.cancelTimer(self)
    toServer?.release(worker.resources)
    toClient?.release(worker.resources)
    closeSocket(client, abort: abort)
    if server >= 0 { closeSocket(server, abort: abort) }
    server = -1
    worker.stats.countClose(listener: listener.index, reason)
    worker.latency.duration[listener.index].recordNanoseconds(Int64(clamping: worker.loop.now &- acceptedAt))
    if connectedAt > 0, let backend { worker.stats.add(server: backend.id, .closed) }
    worker.sessionClosed(self)
    if worker.accessLog { logAccess(reason) }
  }

  private func closeSocket(_ fd: Int32, abort: Bool) {
    worker.loop.forget(fd)
    if abort { Socket.setResetOnClose(fd) }
    Socket.close(fd)
  }

  private func logAccess(_ reason: CloseReason) {
    let now = worker.loop.now
    let connectNanos = connectedAt > 0 ? connectedAt &- connectStartedAt : 0
    worker.logger.info(
      "connection closed",
      metadata: [
        "client": "\(clientAddress)",
        "listener": "\(listener.name)",
        "pool": "\(listener.pool.name)",
        "server": backend.map { "\($0.endpoint)" } ?? "-",
        "bytes_to_server": "\(toServer?.bytesRelayed ?? 0)",
        "bytes_to_client": "\(toClient?.bytesRelayed ?? UInt64(fallbackOffset))",
        "connect_ms": "\(Double(connectNanos / 1000) / 1000)",
        "duration_ms": "\(Double((now &- acceptedAt) / 1000) / 1000)",
        "reason": "\(reason)",
      ])
  }
}
