import Glibc
import Logging
import SplicerConfig
import SplicerLoop
import SplicerRouting
import SplicerSystem
import Synchronization

/// Runs the active health checks of every pool that has them, on a thread and event loop of
/// its own, so that a slow or dead backend never delays relayed traffic. Publishes each
/// server's status to the `HealthBoard` that the workers read.
///
/// Owned by `ProxyServer`. Other threads talk to it only through `reconfigure` and `stop`.
public final class HealthChecker: @unchecked Sendable {
  let loop: EventLoop
  let board: HealthBoard
  private let logger: Logger
  private var probes: [Int: HealthProbe] = [:]
  private let pending = Mutex<[(RoutingTable, [PoolConfig])]>([])
  private var thread: pthread_t?
  /// Made by `prepareStart`, until `launch` or `stop`.
  private var prepared: PreparedThread?

  public init(board: HealthBoard, logger: Logger) throws {
    self.board = board
    self.logger = logger
    loop = try EventLoop()
    loop.onWake = { [unowned self] in self.applyPending() }
  }

  /// Starts the checker's thread with the checks of `pools`.
  public func start(routing: RoutingTable, pools: [PoolConfig]) throws {
    try prepareStart(routing: routing, pools: pools)
    launch()
  }

  /// The half of `start` that can fail: creates the thread, which probes nothing until
  /// `launch` (a live upgrade's new process prepares before its commit, launches after).
  public func prepareStart(routing: RoutingTable, pools: [PoolConfig]) throws {
    reconfigure(routing: routing, pools: pools)
    prepared = try PreparedThread(name: "splicer-health") { [self] in
      do {
        try loop.run()
      } catch {
        logger.critical("health checker loop failed", metadata: ["error": "\(error)"])
      }
      for probe in probes.values { probe.cancel() }
      probes.removeAll()
    }
  }

  /// Replaces the set of checks (a reload); safe from any thread. A server that stays keeps
  /// its status and its run of results.
  public func reconfigure(routing: RoutingTable, pools: [PoolConfig]) {
    pending.withLock { $0.append((routing, pools)) }
    loop.wake()
  }

  /// The half of `start` that cannot fail.
  public func launch() {
    thread = prepared?.launch()
    prepared = nil
  }

  public func stop() {
    prepared?.cancel()
    prepared = nil
    loop.requestStop()
    if let thread { Threads.join(thread) }
    thread = nil
  }

  private func applyPending() {
    let updates = pending.withLock { queue in
      defer { queue.removeAll() }
      return queue
    }
    guard let (routing, pools) = updates.last else { return }
    var next: [Int: HealthProbe] = [:]
    for config in pools {
      guard let check = config.healthCheck, let pool = routing.pools[config.name] else { continue }
      for backend in pool.servers {
        if let existing = probes[backend.id], existing.config == check, existing.pool == pool.name {
          next[backend.id] = existing
          continue
        }
        // A changed check restarts the run of results but keeps the status.
        let status = probes[backend.id]?.state.status ?? (board.isUp(backend.id) ? .up : .down)
        let probe = HealthProbe(
          row: backend.id, pool: pool.name, backend: backend, config: check,
          state: HealthState(rise: check.rise, fall: check.fall, status: status), checker: self)
        next[backend.id] = probe
        probe.scheduleNext(first: true)
      }
    }
    for (row, probe) in probes where next[row] !== probe { probe.cancel() }
    probes = next
    // A server whose pool lost its check (or never had one) is up: nothing else would ever
    // bring it back from a down recorded earlier.
    for entry in routing.servers where next[entry.backend.id] == nil { board.setUp(entry.backend.id, true) }
  }

  /// Called by a probe whose check could not start for want of the proxy's own resources.
  func recordSkipped(_ probe: HealthProbe, error: any Error) {
    board.count(probe.row, .checksSkipped)
    logger.warning(
      "health check skipped", metadata: ["pool": "\(probe.pool)", "server": "\(probe.server)", "error": "\(error)"])
  }

  /// Called by a probe when a check has ended.
  func recordResult(_ probe: HealthProbe, success: Bool, detail: String) {
    let row = probe.row
    board.count(row, success ? .checksPassed : .checksFailed)
    if !board.isUp(row) && probe.state.status == .up {
      probe.syncPassiveDown()
    }
    guard let transition = probe.record(success: success) else { return }
    board.setUp(row, transition == .up)
    board.count(row, transition == .up ? .wentUp : .wentDown)
    let metadata: Logger.Metadata = [
      "pool": "\(probe.pool)", "server": "\(probe.server)", "check": "\(detail)",
      "rise": "\(probe.state.rise)", "fall": "\(probe.state.fall)",
    ]
    if transition == .up {
      logger.notice("server up", metadata: metadata)
    } else {
      logger.warning("server down", metadata: metadata)
    }
  }
}
