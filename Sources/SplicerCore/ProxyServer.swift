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
  }

  /// What a successful reload changed, for the log.
  public struct ReloadSummary: Sendable, CustomStringConvertible {
    public var added: [String] = []
    public var removed: [String] = []
    public var rebound: [String] = []
    public var kept: [String] = []
    /// Old name → new name, for listeners renamed on the same address (their sockets stay).
    public var renamed: [String: String] = [:]
    /// Settings that only a restart applies, left as they were.
    public var ignored: [String] = []

    public var description: String {
      "added \(added), removed \(removed), rebound \(rebound), kept \(kept)"
        + (renamed.isEmpty ? "" : ", renamed \(renamed.sorted { $0.key < $1.key }.map { "\($0.key)->\($0.value)" })")
        + (ignored.isEmpty ? "" : "; needs a restart to change: \(ignored.joined(separator: ", "))")
    }
  }

  public let stats: [WorkerStats]
  /// Every server's status, written by the health checker and by passive observation.
  public let health: HealthBoard
  /// Open connections per server, across workers.
  public let load: ServerLoadBoard
  private let checker: HealthChecker
  private let resolver: HostnameResolver
  /// Each listener's `max_connections` count, by name; kept across reloads. Main thread only.
  private var limits: [String: ListenerLimit] = [:]
  private let published: Mutex<State>
  private let draining = Atomic<Bool>(false)
  private let finishedWorkers = FinishedCount()
  private let closedListeners = FinishedCount()
  private let workers: [Worker]
  private var threads: [pthread_t] = []
  private let logger: Logger

  /// Binds all listeners for all workers.
  ///
  /// - Parameter inherited: listening sockets passed by the service manager (socket
  ///   activation), by listener name; those listeners use them instead of binding, every
  ///   worker watching a duplicate with EPOLLEXCLUSIVE. The proxy takes ownership.
  /// Throws the first bind or socket error, naming the listener.
  public init(configuration: Configuration, logger: Logger, inherited: [String: Int32] = [:]) throws {
    self.logger = logger
    var layout = StatsLayout.sized(
      forListeners: configuration.listeners.count,
      servers: configuration.pools.reduce(0) { $0 + $1.servers.count })
    let resolver = try HostnameResolver(logger: logger)
    let resolved = resolver.prepare(RoutingTable.hostNames(in: configuration))
    let routing = try Self.routingTable(for: configuration, layout: &layout, resolved: resolved)
    let fallbacks = try Self.openFallbacks(configuration)
    var limits: [String: ListenerLimit] = [:]
    // Every counter row exists before the workers get their latency recorders.
    let contexts = try configuration.listeners.map {
      try Self.context(
        for: $0, routing: routing, fallbacks: fallbacks, limits: &limits, layout: &layout)
    }
    let health = HealthBoard(capacity: layout.serverCapacity)
    let load = ServerLoadBoard(capacity: layout.serverCapacity)
    let stats = (0..<configuration.workers).map { _ in
      WorkerStats(listenerCount: layout.listenerCapacity, serverCount: layout.serverCapacity)
    }
    let finishedWorkers = self.finishedWorkers
    let latency = LatencyRecorders(layout: layout)
    let workers = try (0..<configuration.workers).map { index in
      try Worker(
        index: index, configuration: configuration, stats: stats[index], health: health, load: load,
        latency: latency, logger: logger,
        finished: { finishedWorkers.count.add(1, ordering: .releasing) })
    }
    var bound: [BoundListener] = []
    // A failed bind ends start-up; the process exits, which closes what was bound before it.
    for (listener, context) in zip(configuration.listeners, contexts) {
      if let fd = inherited[listener.name] {
        let address = try Socket.localAddress(fd)
        for (index, worker) in workers.enumerated() {
          try worker.addListener(fd: index == 0 ? fd : try Socket.duplicate(fd), context: context, shared: true)
        }
        bound.append(BoundListener(name: listener.name, address: address))
        logger.notice(
          "listener inherited from the service manager",
          metadata: ["listener": "\(listener.name)", "address": "\(address)", "config_bind": "\(listener.bind)"])
        continue
      }
      let sockets = try Self.bindAll(listener, workerCount: workers.count)
      for (worker, fd) in zip(workers, sockets.fds) {
        try worker.addListener(fd: fd, context: context)
      }
      bound.append(BoundListener(name: listener.name, address: sockets.address))
    }
    for (name, fd) in inherited where !configuration.listeners.contains(where: { $0.name == name }) {
      logger.warning(
        "the service manager passed a socket no listener is named after; closing it", metadata: ["name": "\(name)"])
      Socket.close(fd)
    }
    for worker in workers { worker.siblings = workers.map(SiblingWorker.init) }
    self.workers = workers
    self.stats = stats
    self.health = health
    self.load = load
    self.resolver = resolver
    self.limits = limits
    self.checker = try HealthChecker(board: health, logger: logger)
    self.published = Mutex(State(configuration: configuration, routing: routing, boundListeners: bound, layout: layout))
  }

  /// The configuration, routing and listeners in force now.
  public var state: State { published.withLock { $0 } }

  // MARK: Building blocks shared by start and reload

  private static func routingTable(
    for configuration: Configuration, layout: inout StatsLayout, resolved: [String: ResolvedAddress]
  ) throws -> RoutingTable {
    var ids: [String: [Int]] = [:]
    for pool in configuration.pools {
      ids[pool.name] = try pool.servers.map { server in
        guard let row = layout.serverRow(pool: pool.name, server: server.address.description) else {
          throw ProxyStartError(
            message:
              "the config names more servers than this process can count (\(layout.serverCapacity)); restart instead")
        }
        return row
      }
    }
    return RoutingTable(configuration: configuration, serverIDs: ids, resolved: resolved)
  }

  /// The `when_all_down` files of the config's pools, opened for sendfile, by pool name.
  private static func openFallbacks(_ configuration: Configuration) throws -> [String: FallbackFile] {
    var files: [String: FallbackFile] = [:]
    for pool in configuration.pools {
      guard case .respondFile(let path) = pool.whenAllDown else { continue }
      do {
        files[pool.name] = try FallbackFile(path: path)
      } catch {
        throw ProxyStartError(message: "pool \(pool.name): when_all_down: \(error)")
      }
    }
    return files
  }

  /// - Parameter limits: the `max_connections` counters by listener name; a listener that
  ///   has one keeps it (with the new maximum), so connections open across a reload count.
  private static func context(
    for listener: ListenerConfig, routing: RoutingTable, fallbacks: [String: FallbackFile],
    limits: inout [String: ListenerLimit], layout: inout StatsLayout
  ) throws -> ListenerContext {
    guard let routes = routing.routes(forListener: listener.name) else {
      preconditionFailure("routing table without listener \(listener.name)")
    }
    guard let row = layout.listenerRow(listener.name) else {
      throw ProxyStartError(
        message:
          "the config names more listeners than this process can count (\(layout.listenerCapacity)); restart instead")
    }
    // A listener that stays keeps its count; its new maximum is set once the reload succeeds.
    let limit = limits[listener.name] ?? ListenerLimit(maximum: listener.maxConnections)
    limits[listener.name] = limit
    return ListenerContext(
      name: listener.name, index: row, mode: listener.mode, routes: routes, acceptProxy: listener.acceptProxy,
      inspect: listener.inspect, limit: limit, fallbacks: fallbacks)
  }

  /// Binds one socket per worker on the listener's address.
  ///
  /// With port 0 the first bind picks the port and the others reuse it, so that all workers
  /// share one SO_REUSEPORT group. On failure every socket bound so far is closed.
  /// - Parameter probe: first check that no other socket listens there (skipped when the
  ///   address is one this proxy already holds, e.g. a listener renamed by a reload).
  private static func bindAll(_ listener: ListenerConfig, workerCount: Int, probe: Bool = true) throws -> (
    fds: [Int32], address: SocketAddress
  ) {
    guard var address = SocketAddress(ip: listener.bind.host, port: listener.bind.port) else {
      preconditionFailure("config loader let through an unparsable bind address")
    }
    var fds: [Int32] = []
    do {
      if address.port != 0 && probe {
        // SO_REUSEPORT would let this process silently join another's listening group on the
        // same address (the kernel then splits the connections between them); a plain bind
        // first turns that into "address in use".
        try Socket.checkAvailable(address)
      }
      for _ in 0..<workerCount {
        let fd = try Socket.listen(on: address, reusePort: true, backlog: Int32(listener.backlog))
        fds.append(fd)
        if address.port == 0 {
          address = try Socket.localAddress(fd)
        }
      }
    } catch {
      for fd in fds { Socket.close(fd) }
      var message = "listener \(listener.name): \(error)"
      if error.errno == EACCES && address.port < 1024 {
        message +=
          "; binding a port below 1024 needs root or CAP_NET_BIND_SERVICE"
          + " (after start, only with keep_bind_capability: true)"
      }
      throw ProxyStartError(message: message)
    }
    return (fds, address)
  }

  // MARK: Running

  /// Starts one thread per worker.
  public func start() throws {
    for worker in workers {
      let thread = try Threads.start(name: "splicer-w\(worker.index)") { worker.run() }
      threads.append(thread)
    }
    let current = state
    try checker.start(routing: current.routing, pools: current.configuration.pools)
    try resolver.start()
    for listener in state.boundListeners {
      logger.notice(
        "listener bound",
        metadata: ["listener": "\(listener.name)", "address": "\(listener.address)", "workers": "\(workers.count)"])
    }
  }

  /// Applies a validated configuration to new connections without touching open ones.
  ///
  /// New listeners are bound first; if any bind fails, nothing changes and the error is
  /// thrown. Then each worker swaps in the new routing at its next wake-up: listeners that
  /// keep their address keep their sockets (no connection in their backlog is lost), removed
  /// or moved ones close. `workers` and `tuning` apply only at start and are reported in
  /// `ignored`.
  public func reload(to configuration: Configuration) throws -> ReloadSummary {
    let old = state
    var summary = ReloadSummary()
    if configuration.workers != old.configuration.workers { summary.ignored.append("workers") }
    if configuration.tuning != old.configuration.tuning { summary.ignored.append("tuning") }
    if configuration.admin != old.configuration.admin { summary.ignored.append("admin") }
    if configuration.privileges != old.configuration.privileges { summary.ignored.append("user/group") }
    if configuration.log.level != old.configuration.log.level
      || configuration.log.format != old.configuration.log.format
    {
      summary.ignored.append("log.level/log.format")
    }
    var effective = configuration
    effective.workers = old.configuration.workers
    effective.tuning = old.configuration.tuning
    effective.admin = old.configuration.admin
    effective.privileges = old.configuration.privileges

    var layout = old.layout
    var limits = self.limits
    let oldListeners = Dictionary(uniqueKeysWithValues: old.configuration.listeners.map { ($0.name, $0) })
    var contexts: [String: ListenerContext] = [:]
    var bound: [BoundListener] = []
    var newSockets: [(fds: [Int32], context: ListenerContext)] = []
    let resolved = resolver.prepare(RoutingTable.hostNames(in: effective))
    let routing: RoutingTable
    // A listener renamed on the same address keeps its sockets, as a kept one does (closing
    // them would reset the clients waiting in their backlogs), and its `max_connections`
    // count: its open connections are the ones the new name's limit must count, and their
    // closes must wake the listener that now accepts on those sockets.
    summary.renamed = Self.renames(from: old, to: effective)
    for (oldName, newName) in summary.renamed {
      limits[newName] = limits.removeValue(forKey: oldName)
    }
    do {
      routing = try Self.routingTable(for: effective, layout: &layout, resolved: resolved)
      let fallbacks = try Self.openFallbacks(effective)
      for listener in effective.listeners {
        let context = try Self.context(
          for: listener, routing: routing, fallbacks: fallbacks, limits: &limits, layout: &layout)
        contexts[listener.name] = context
        if let previous = oldListeners[listener.name], previous.bind == listener.bind,
          previous.backlog == listener.backlog,
          let address = old.boundListeners.first(where: { $0.name == listener.name })?.address
        {
          summary.kept.append(listener.name)
          bound.append(BoundListener(name: listener.name, address: address))
          continue
        }
        if let previous = summary.renamed.first(where: { $0.value == listener.name })?.key,
          let address = old.boundListeners.first(where: { $0.name == previous })?.address
        {
          summary.kept.append(listener.name)
          bound.append(BoundListener(name: listener.name, address: address))
          continue
        }
        let ours = old.configuration.listeners.contains { $0.bind == listener.bind }
        let sockets = try Self.bindAll(listener, workerCount: workers.count, probe: !ours)
        newSockets.append((sockets.fds, context))
        bound.append(BoundListener(name: listener.name, address: sockets.address))
        if oldListeners[listener.name] == nil {
          summary.added.append(listener.name)
        } else {
          summary.rebound.append(listener.name)
        }
      }
    } catch {
      // Nothing may change when a reload fails: close what it bound, and go back to
      // refreshing the names the running configuration uses.
      for sockets in newSockets { for fd in sockets.fds { Socket.close(fd) } }
      _ = resolver.prepare(RoutingTable.hostNames(in: old.configuration))
      throw error
    }
    summary.removed = old.configuration.listeners.map(\.name).filter { contexts[$0] == nil }
    for listener in effective.listeners { limits[listener.name]?.setMaximum(listener.maxConnections) }
    self.limits = limits

    let latency = LatencyRecorders(layout: layout)
    for (index, worker) in workers.enumerated() {
      worker.post(
        .reconfigure(
          WorkerUpdate(
            contexts: contexts, rebound: Set(summary.rebound), renamed: summary.renamed,
            added: newSockets.map { ($0.fds[index], $0.context) }, timeouts: effective.timeouts,
            accessLog: effective.log.accessLog, latency: latency)))
    }
    published.withLock {
      $0 = State(configuration: effective, routing: routing, boundListeners: bound, layout: layout)
    }
    checker.reconfigure(routing: routing, pools: effective.pools)
    for listener in bound where !summary.kept.contains(listener.name) {
      logger.notice("listener bound", metadata: ["listener": "\(listener.name)", "address": "\(listener.address)"])
    }
    return summary
  }

  /// Old name → new name of the listeners that `new` renames on an address `old` holds: a
  /// name `new` no longer has, a name `old` did not have, the same address (not port 0) and
  /// backlog. Each old listener is taken by the first new one that matches.
  private static func renames(from old: State, to new: Configuration) -> [String: String] {
    let oldNames = Set(old.configuration.listeners.map(\.name))
    let newNames = Set(new.listeners.map(\.name))
    var renamed: [String: String] = [:]
    for listener in new.listeners where !oldNames.contains(listener.name) {
      let previous = old.configuration.listeners.first { candidate in
        candidate.bind == listener.bind && candidate.backlog == listener.backlog && candidate.bind.port != 0
          && !newNames.contains(candidate.name) && renamed[candidate.name] == nil
          && old.boundListeners.contains { $0.name == candidate.name }
      }
      if let previous { renamed[previous.name] = listener.name }
    }
    return renamed
  }

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
