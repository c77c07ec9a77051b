import Glibc
import SplicerSystem

/// One freeze of a proxy's workers for a live upgrade: the thread that posts
/// `WorkerCommand.freeze` to every worker keeps this object, and each worker reports on it,
/// from its own thread, once it has frozen at its safe point (the end of a loop turn). The
/// poster then waits until every worker has reported, as `ProxyServer.beginDrain` waits for
/// the workers to close their listeners.
///
/// Shared by the poster and the workers; a worker that is already frozen when the command
/// arrives reports at once.
final class UpgradeFreeze: Sendable {
  /// Indices of the workers that have frozen; a set, so a worker that reports twice counts once.
  private let frozen = PthreadLocked<Set<Int>>([])
  /// What each frozen worker handed over (`Worker+Snapshot`), by worker index.
  private let handovers = PthreadLocked<[Int: WorkerHandover]>([:])
  /// Whether the workers build their `WorkerHandover` at the safe point (an upgrade's freeze)
  /// or only stop (a freeze that will resume).
  let collectsHandovers: Bool

  init(collectsHandovers: Bool = false) {
    self.collectsHandovers = collectsHandovers
  }

  /// Called by worker `index` on its thread, once it is frozen, with its handover when
  /// `collectsHandovers`.
  func workerFroze(_ index: Int, handover: WorkerHandover? = nil) {
    if let handover { handovers.withLock { $0[index] = handover } }
    frozen.withLock { _ = $0.insert(index) }
  }

  /// The handovers reported so far, in worker order; complete once `waitUntilFrozen` has
  /// returned true.
  var collectedHandovers: [WorkerHandover] {
    handovers.withLock { $0.values.sorted { $0.worker < $1.worker } }
  }

  /// How many workers have frozen so far.
  var frozenWorkers: Int { frozen.withLock { $0.count } }

  /// Waits until `workers` workers have frozen; false when `timeout` passed first (a stuck
  /// loop). Workers freeze within one loop turn, so the wait polls briefly, like a drain's.
  func waitUntilFrozen(workers: Int, timeout: Duration) -> Bool {
    let deadline = MonotonicClock.now() &+ timeout.nanoseconds
    while frozenWorkers < workers {
      if MonotonicClock.now() >= deadline { return false }
      usleep(200)
    }
    return true
  }
}
