import Glibc
import Logging
import SplicerConfig
import SplicerHealth
import SplicerResolution
import SplicerRouting
import SplicerSystem
import Synchronization

/// The running proxy: binds every listener once per worker, runs one event-loop thread per
/// worker, reloads its configuration and stops, gracefully or at once.
///
/// Binding happens in `init`, on the calling thread, so that bind errors surface before any
/// thread starts and privileged ports can be bound before capabilities are dropped. `start`,
/// `reload`, `beginDrain` and `stop` belong to the main thread. Other threads (the admin
/// endpoint) read only `state`, the counters and the draining flag, which is why it is
/// Sendable.
public final class ProxyServer: @unchecked Sendable {
  /// A bound listener and the address the kernel gave it (the port is real even if the
  /// config said 0).
  public struct BoundListener: Sendable {
    public let name: String
    public let address: SocketAddress
  }

  /// What the proxy runs now; replaced as a whole by a reload.
  public struct State: Sendable {
    public let configuration: Configuration
    public let routing: RoutingTable
    public let boundListeners: [BoundListener]
    public let layout: StatsLayout
    /// Where `configuration` was loaded from; the newest of `liveGenerations`.
    public let generation: ConfigGeneration
  }

  public let stats: [WorkerStats]
  /// Every server's status, written by the health checker and by passive observation.
  public let health: HealthBoard
  /// Open connections per server, across workers.
  public let serverLoad: ServerLoadBoard
  let checker: HealthChecker
  let resolver: HostnameResolver
  /// Each listener's `max_connections` count, by name; kept across reloads (also for a
  /// listener a reload removed, should a later one bring the name back). Main thread only.
  var limits: [String: ListenerLimit] = [:]
  /// Replaced as a whole by a reload (`ProxyServer+Reload`).
  let published: Mutex<State>
  /// The generations a listener or session still uses (`liveGenerations`).
  let generations = LiveGenerations()
  private let draining = Atomic<Bool>(false)
  private let finishedWorkers = FinishedCount()
  private let closedListeners = FinishedCount()
  let workers: [Worker]
  /// Sockets taken from an old process, registered with their workers by `start` (a live
  /// upgrade registers nothing before its commit). Main thread only.
  var pendingListeners: [PendingListener] = []
  /// The workers' threads, running (`start`, `launch`); main thread only.
  var threads: [pthread_t] = []
  /// The workers' threads made by `prepareStart` and not yet launched; main thread only.
  var preparedThreads: [PreparedThread] = []
  let logger: Logger

  /// Binds all listeners for all workers.
  ///
  /// - Parameter generation: the configuration to run, with where it was loaded from.
  /// - Parameter inherited: listening sockets passed by the service manager (socket
  ///   activation), by listener name; those listeners use them instead of binding, every
  ///   worker watching a duplicate with EPOLLEXCLUSIVE. The proxy takes ownership.
  /// Throws the first bind or socket error, naming the listener.
  public convenience init(generation: ConfigGeneration, logger: Logger, inherited: [String: Int32] = [:]) throws {
    let configuration = generation.configuration
    try self.init(
      generation: generation, logger: logger,
      layout: StatsLayout.sized(
        forListeners: configuration.listeners.count,
        servers: configuration.pools.reduce(0) { $0 + $1.servers.count }),
      sockets: .bind(inherited: inherited), resolverSeed: [:])
  }

  /// - Parameter layout: the counter rows to start from (fresh, or restored from the process
  ///   this one takes over from); the configuration's rows are added to it.
  /// - Parameter sockets: bind (or take the service manager's), or take an old process's
  ///   sockets, registered only by `start`.
  /// - Parameter resolverSeed: the old process's answers for host names
  ///   (`HostnameResolver.prepare(_:seeded:)`).
  init(
    generation: ConfigGeneration, logger: Logger, layout: StatsLayout, sockets: ListenerSockets,
    resolverSeed: [String: [SocketAddress]]
  ) throws {
    let configuration = generation.configuration
    self.logger = logger
    var layout = layout
    let resolver = try HostnameResolver(logger: logger)
    let resolved = resolver.prepare(RoutingTable.hostNames(in: configuration), seeded: resolverSeed)
    let routing = try Self.routingTable(for: configuration, layout: &layout, resolved: resolved)
    let fallbacks = try Self.openFallbacks(configuration)
    var limits: [String: ListenerLimit] = [:]
    // Every counter row exists before the workers get their latency recorders.
    let contexts = try configuration.listeners.map {
      try Self.context(
        for: $0, routing: routing, fallbacks: fallbacks, limits: &limits, layout: &layout, generation: generation)
    }
    let health = HealthBoard(capacity: layout.serverCapacity)
    let serverLoad = ServerLoadBoard(capacity: layout.serverCapacity)
    let stats = (0..<configuration.workers).map { _ in
      WorkerStats(listenerCount: layout.listenerCapacity, serverCount: layout.serverCapacity)
    }
    let finishedWorkers = self.finishedWorkers
    let latency = LatencyRecorders(layout: layout)
    let workers = try (0..<configuration.workers).map { index in
      try Worker(
        index: index, configuration: configuration, stats: stats[index], health: health, serverLoad: serverLoad,
        latency: latency, logger: logger,
        finished: { finishedWorkers.count.add(1, ordering: .releasing) })
    }
    let (bound, pending) = try Self.setUpListeners(
      configuration.listeners, contexts: contexts, workers: workers, sockets: sockets, logger: logger)
    self.pendingListeners = pending
    for worker in workers { worker.siblings = workers.map(SiblingWorker.init) }
    self.workers = workers
    self.stats = stats
    self.health = health
    self.serverLoad = serverLoad
    self.resolver = resolver
    self.limits = limits
    self.checker = try HealthChecker(board: health, logger: logger)
    self.published = Mutex(
      State(
        configuration: configuration, routing: routing, boundListeners: bound, layout: layout, generation: generation))
    generations.add(generation)
  }

  /// The configuration, routing and listeners in force now.
  public var state: State { published.withLock { $0 } }

  /// Every config generation a listener or an open session still uses, oldest first; the
  /// last is the running one (`state.generation`).
  public var liveGenerations: [ConfigGeneration] { generations.live }

  // MARK: Running

  /// True once stopping has begun; `/healthz` answers 503 from then on.
  public var isDraining: Bool { draining.load(ordering: .relaxed) }

  /// Whether every worker's loop ran its heartbeat timer within `limit`: a worker stuck in a
  /// handler (or a spinning loop that never gets to its timers) makes this false, and the
  /// watchdog ping is withheld so that systemd restarts the service.
  public func workersResponsive(within limit: Duration) -> Bool {
    let now = MonotonicClock.now()
    return workers.allSatisfy { now &- $0.heartbeat.lastBeat.load(ordering: .relaxed) <= limit.nanoseconds }
  }

  /// Whether every worker has finished (after `beginDrain`, once its sessions are done).
  public var allWorkersFinished: Bool { finishedWorkers.count.load(ordering: .acquiring) == workers.count }

  /// Stops accepting everywhere and returns once every worker has closed its listening
  /// sockets (so a client connecting after this is refused); open connections carry on until
  /// they finish. Follow with `stop()`, at the latest when the drain timeout runs out.
  public func beginDrain() {
    draining.store(true, ordering: .relaxed)
    let closed = closedListeners
    for worker in workers {
      worker.stoppedAccepting = { closed.count.add(1, ordering: .releasing) }
      worker.post(.drain)
    }
    // Workers answer between events, within microseconds; the bound only guards a stuck loop.
    let deadline = MonotonicClock.now() &+ 1_000_000_000
    while closed.count.load(ordering: .acquiring) < workers.count && MonotonicClock.now() < deadline {
      usleep(200)
    }
  }

  /// Stops every worker, closes every socket and pipe (open connections end with reason
  /// `shutdown`), and waits for the threads to end.
  public func stop() {
    draining.store(true, ordering: .relaxed)
    for worker in workers { worker.requestStop() }
    for thread in threads { Threads.join(thread) }
    threads.removeAll()
    // Prepared and never launched (a start that failed after its preparation): they end unrun.
    for thread in preparedThreads { thread.cancel() }
    preparedThreads.removeAll()
    checker.stop()
    resolver.stop()
  }

  /// Sums a worker-wide counter over the workers.
  public func total(_ slot: WorkerStats.Global) -> UInt64 {
    stats.reduce(0) { $0 &+ $1.value(slot) }
  }
}

/// How many worker threads have finished, shared with their `finished` callbacks.
private final class FinishedCount: Sendable {
  let count = Atomic<Int>(0)
}

/// A failure to bring the proxy up or to apply a reload, with a message for the operator.
public struct ProxyStartError: Error, CustomStringConvertible {
  public let message: String

  public init(message: String) {
    self.message = message
  }

  public var description: String { message }
}
