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

  /// Called by worker `index` on its thread, once it is frozen.
  func workerFroze(_ index: Int) {
    frozen.withLock { _ = $0.insert(index) }
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
