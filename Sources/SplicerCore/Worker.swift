import Logging
import SplicerConfig
import SplicerRouting
import SplicerSystem

/// One event-loop thread and everything it owns: its listening sockets, its sessions, its
/// pipe and buffer pools and its counters. Nothing here is shared with other workers except
/// the immutable routing table and the counters, which other threads only read.
final class Worker: @unchecked Sendable {
  struct TimeoutsNanoseconds {
    let connect: UInt64
    let idle: UInt64
  }

  let index: Int
  let loop: EventLoop
  let stats: WorkerStats
  let latency: LatencyRecorders
  let resources: RelayResources
  let logger: Logger
  let timeouts: TimeoutsNanoseconds
  let accessLog: Bool
  /// Round-robin positions, one per pool, indexed by `ListenerContext.poolSlot`.
  var cursors: [RoundRobinCursor]
  private var listeners: [Listener] = []
  private var sessions: [Session] = []

  init(
    index: Int, configuration: Configuration, poolCount: Int, stats: WorkerStats, latency: LatencyRecorders,
    logger: Logger
  ) throws(SyscallError) {
    self.index = index
    self.latency = latency
    self.loop = try EventLoop()
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
    self.timeouts = TimeoutsNanoseconds(
      connect: configuration.timeouts.connect.nanoseconds, idle: configuration.timeouts.idle.nanoseconds)
    self.accessLog = configuration.log.accessLog
    self.cursors = (0..<poolCount).map { _ in RoundRobinCursor(start: index) }
  }

  /// Adopts a bound listening socket; called before the thread starts.
  func addListener(fd: Int32, context: ListenerContext) throws(SyscallError) {
    let listener = Listener(fd: fd, context: context, worker: self)
    try listener.start()
    listeners.append(listener)
  }

  var activeSessions: Int { sessions.count }

  /// The thread body: runs the loop until `requestStop`, then closes everything it owns.
  func run() {
    Threads.setCurrentName("splicer-w\(index)")
    do {
      try loop.run()
    } catch {
      logger.critical("event loop failed", metadata: ["error": "\(error)"])
    }
    for listener in listeners { listener.close() }
    listeners.removeAll()
    while let session = sessions.last { session.close(.shutdown) }
    resources.pipes.drain()
    resources.buffers.drain()
  }

  /// Safe from any thread.
  func requestStop() {
    loop.requestStop()
  }

  func startSession(client: Int32, peer: SocketAddress, listener: ListenerContext) {
    stats.add(listener: listener.index, .accepted)
    let session = Session(client: client, clientAddress: peer, listener: listener, worker: self)
    session.listIndex = sessions.count
    sessions.append(session)
    session.start()
  }

  /// Pauses every listener of this worker after descriptors ran out (EMFILE/ENFILE) outside
  /// accept, e.g. when opening an upstream socket.
  func descriptorsExhausted(_ error: SyscallError) {
    for listener in listeners { listener.pause(error) }
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
  }
}
