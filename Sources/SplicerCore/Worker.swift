import Logging
import SplicerConfig
import SplicerHealth
import SplicerLoop
import SplicerRouting
import SplicerSystem
import Synchronization

/// One event-loop thread and everything it owns: its listening sockets, its sessions, its
/// pipe and buffer pools, its counters and its access log. It shares with the other workers
/// the immutable routing snapshot, and atomics it reads and writes: the `HealthBoard`, the
/// `ServerLoadBoard`, each `ListenerLimit` and each pool's queue count; other threads only
/// read its counters.
///
/// Other threads talk to a worker only through `post(_:)`, which queues a `WorkerCommand`
/// and wakes the loop; the worker applies it between events.
final class Worker: @unchecked Sendable {
  struct TimeoutsNanoseconds {
    let connect: UInt64
    let idle: UInt64

    init(_ timeouts: Timeouts) {
      connect = timeouts.connect.nanoseconds
      idle = timeouts.idle.nanoseconds
    }
  }

  let index: Int
  let loop: EventLoop
  /// Proof of life for the watchdog; stamped by a timer on this loop.
  let heartbeat: Heartbeat
  let stats: WorkerStats
  /// Server status from the health checker; read on every connect.
  let health: HealthBoard
  /// Open connections per server across the workers; balancers and `max_connections` read it.
  let serverLoad: ServerLoadBoard
  let resources: RelayResources
  let logger: Logger
  // Replaced by a reload, on this thread; sessions read them when they need them.
  private(set) var latency: LatencyRecorders
  private(set) var timeouts: TimeoutsNanoseconds
  let accessLog: AccessLog
  /// Balancing state per pool (positions, weights, random source), rebuilt by a reload.
  var balancers: [ObjectIdentifier: PoolBalancer] = [:]
  /// Sessions waiting for a server slot, per pool, oldest first.
  var queues: [ObjectIdentifier: [Session]] = [:]
  /// Server slots freed per pool since the queue runner last ran.
  var freedSlots: [ObjectIdentifier: (pool: BackendPool, count: Int)] = [:]
  var queueRunScheduled = false
  /// Every worker of the proxy (this one included), for the rare messages between them.
  /// Unowned: `ProxyServer` owns the workers, and strong references here would make a cycle
  /// that outlives it (LeakSanitizer reported every worker at exit).
  var siblings: [SiblingWorker] = []
  /// Divides the listeners' `listener_total`s among their connections.
  private(set) lazy var pacing = PacingDivider(worker: self)
  private(set) var listeners: [Listener] = []
  private(set) var sessions: [Session] = []
  private var draining = false
  /// Freezes and resumes asked for, and what a freeze stopped (`Worker+Freezing`).
  var freezing = WorkerFreezeState()
  /// Sessions adopted from the old process in a live upgrade and not yet committed
  /// (`Worker+Adoption`).
  var adoption = WorkerAdoptionState()
  /// A pthread lock rather than `Mutex`, so that ThreadSanitizer sees it: posts between
  /// workers are frequent (queues, listener limits).
  private let inbox = PthreadLocked(Inbox())
  private let finished: @Sendable () -> Void
  /// Called on the worker's thread once it has closed its listeners for a drain.
  var stoppedAccepting: (@Sendable () -> Void)?

  /// - Parameter finished: called on the worker's thread when it has closed everything.
  /// - Parameter clock: the loop's clock; tests pass one they move by hand.
  init(
    index: Int, configuration: Configuration, stats: WorkerStats, health: HealthBoard, serverLoad: ServerLoadBoard,
    latency: LatencyRecorders, logger: Logger, clock: LoopClock = .monotonic, finished: @escaping @Sendable () -> Void
  ) throws(SyscallError) {
    self.index = index
    self.health = health
    self.serverLoad = serverLoad
    self.latency = latency
    self.finished = finished
    self.loop = try EventLoop(clock: clock)
    self.heartbeat = Heartbeat(loop: loop)
    self.stats = stats
    self.resources = RelayResources(
      pipes: PipePool(
        requestedCapacity: configuration.tuning.pipeSize, maximumIdle: configuration.tuning.pipePoolSize,
        maximumLeased: configuration.tuning.maxPipes, stats: stats),
      buffers: CopyBufferPool(
        bufferSize: configuration.tuning.copyBufferSize, maximumIdle: configuration.tuning.pipePoolSize),
      stats: stats)
    var logger = logger
    logger[metadataKey: "worker"] = "\(index)"
    self.logger = logger
    self.timeouts = TimeoutsNanoseconds(configuration.timeouts)
    self.accessLog = AccessLog(configuration: configuration.log, level: logger.logLevel, workerIndex: index)
    loop.onWake = { [unowned self] in self.applyCommands() }
  }

  /// Adopts a bound listening socket; called before the thread starts.
  func addListener(fd: Int32, context: ListenerContext, shared: Bool = false) throws(SyscallError) {
    let listener = Listener(fd: fd, context: context, worker: self, shared: shared)
    try listener.start()
    // A socket passed by systemd outlives the process, and may keep the cap an earlier run set.
    listener.applyDownloadLimit(replacing: shared ? nil : RateLimitConfig())
    listeners.append(listener)
    pacing.update(listeners: listeners.map(\.context))
  }

  /// The thread body: registers what an upgrade's commit left, loops until stopped, closes all it owns.
  func run() {
    registerCommittedAdoption()
    heartbeat.start()
    do {
      try runCatchUpTurn()
      try loop.run()
    } catch {
      logger.critical("event loop failed", metadata: ["error": "\(error)"])
    }
    closeInbox()
    closeListeners()
    closeSessionsAtExit()
    resources.pipes.drain()
    resources.buffers.drain()
    resources.mirrorSink.close()
    finished()
  }

  // MARK: Commands from other threads

  /// Queues `command` for the worker's thread; safe from any thread.
  func post(_ command: WorkerCommand) {
    let accepted = inbox.withLock { inbox in
      if inbox.closed { return false }
      inbox.commands.append(command)
      return true
    }
    guard accepted else {
      // The loop has ended (stopped, or failed): nobody will adopt the sockets a reload bound
      // for this worker.
      command.closeOwnedSockets()
      return
    }
    loop.wake()
  }

  /// Refuses further commands and closes the sockets of those never applied.
  private func closeInbox() {
    let unapplied = inbox.withLock { inbox in
      inbox.closed = true
      defer { inbox.commands.removeAll() }
      return inbox.commands
    }
    for command in unapplied { command.closeOwnedSockets() }
  }

  /// Stops the loop at once; open sessions are closed with reason `shutdown`. Any thread.
  func requestStop() {
    loop.requestStop()
  }

  private func applyCommands() {
    let commands = inbox.withLock { inbox in
      defer { inbox.commands.removeAll() }
      return inbox.commands
    }
    apply(commands)
  }

  /// Applies `commands` in order; a frozen worker sets some aside (`setAsideWhileFrozen`).
  func apply(_ commands: [WorkerCommand]) {
    for command in commands where !setAsideWhileFrozen(command) {
      switch command {
      case .reconfigure(let update): apply(update)
      case .drain: beginDrain()
      case .serviceQueue(let pool): serverSlotFreed(in: pool, fromSibling: true)
      case .capacityFreed(let limit): resumeListeners(limitedBy: limit)
      case .freeze(let freeze): requestFreeze(freeze)
      case .resume: requestResume()
      case .resumeClosingSessions: requestResume(closingSessions: true)
      case .relinquish(let done):
        if isFrozen { relinquishAll() }
        done()
      case .reportListeners(let report): report(listeners.map(WorkerListenerSocket.init))
      }
    }
  }

  private func apply(_ update: WorkerUpdate) {
    timeouts = TimeoutsNanoseconds(update.timeouts)
    accessLog.isEnabled = update.accessLog && logger.logLevel <= .info
    latency = update.latency
    // New pools, new balancing state; sessions still queued keep their (old) pool's queue.
    balancers.removeAll()
    var kept: [Listener] = []
    for listener in listeners {
      let name = update.renamed[listener.context.name] ?? listener.context.name
      if let context = update.contexts[name], !update.rebound.contains(name) {
        let previous = listener.context.rateLimit
        listener.context = context
        listener.applyDownloadLimit(replacing: previous)
        // The reload may have raised or removed the limit this listener paused at; no close
        // will report that, so look now.
        listener.resumeIfBelowLimit()
        kept.append(listener)
      } else {
        // Removed or moved: stop accepting here; its open sessions carry on untouched. Clients
        // already in its backlog connected before the reload took effect: serve them rather
        // than reset them by closing the socket under them.
        listener.acceptPending()
        listener.close()
      }
    }
    listeners = kept
    for (fd, context) in update.added {
      do {
        let listener = Listener(fd: fd, context: context, worker: self)
        try listener.start()
        listener.applyDownloadLimit(replacing: RateLimitConfig())
        if draining { listener.close() } else { listeners.append(listener) }
      } catch {
        Socket.close(fd)
        logger.error("could not watch a new listener", metadata: ["listener": "\(context.name)", "error": "\(error)"])
      }
    }
    pacing.update(listeners: listeners.map(\.context))
  }

  /// Stops accepting; the loop ends once the last session has closed.
  private func beginDrain() {
    draining = true
    closeListeners()
    stoppedAccepting?()
    if sessions.isEmpty { loop.requestStop() }
  }

  private func closeListeners() {
    for listener in listeners { listener.close() }
    listeners.removeAll()
  }

  /// Pauses every listener of this worker after descriptors ran out (EMFILE/ENFILE) outside
  /// accept, e.g. when opening an upstream socket.
  func descriptorsExhausted(_ error: SyscallError) {
    for listener in listeners { listener.pause(error) }
  }

  /// Resumes the listeners that paused at `limit`'s `max_connections`.
  func resumeListeners(limitedBy limit: ListenerLimit) {
    for listener in listeners where listener.context.limit === limit { listener.resumeIfBelowLimit() }
  }

  /// A session freed a slot of `limit` that was full: every worker may have paused on it.
  func listenerCapacityFreed(_ limit: ListenerLimit) {
    for sibling in siblings {
      let worker = sibling.worker
      if worker === self {
        resumeListeners(limitedBy: limit)
      } else {
        worker.post(.capacityFreed(limit))
      }
    }
  }

  // MARK: Sessions

  func startSession(client: Int32, peer: SocketAddress, listener: ListenerContext) {
    stats.add(listener: listener.counterRow, .accepted)
    let session = Session(client: client, peerAddress: peer, listener: listener, worker: self)
    session.listIndex = sessions.count
    sessions.append(session)
    session.start()
  }

  /// Puts a session adopted in a live upgrade into the list (`Worker+Adoption`); it is
  /// registered by its `rearm`.
  func insertAdopted(_ session: Session) {
    session.listIndex = sessions.count
    sessions.append(session)
  }

  /// Called by a session as it closes.
  func sessionClosed(_ session: Session) {
    let index = session.listIndex
    guard index >= 0 else { return }
    let last = sessions.count - 1
    if index != last {
      sessions[index] = sessions[last]
      sessions[index].listIndex = index
    }
    sessions.removeLast()
    session.listIndex = -1
    if draining && sessions.isEmpty { loop.requestStop() }
  }
}

/// Commands queued for a worker's thread; closed once its loop has ended.
private struct Inbox {
  var commands: [WorkerCommand] = []
  var closed = false
}
