import Glibc
import SplicerSystem

/// The workers' part of a live upgrade on the old process's side (design §6, §8.2, §8.3), for
/// the `UpgradeDonor` conformance to call from the main thread: freeze every worker and
/// collect what each hands over, resume them all (rollback), or have them close their copies
/// of every session (commit).
extension ProxyServer {
  /// Posts `.freeze` to every worker and waits until each has frozen at its safe point and
  /// built its `WorkerHandover`; returns them in worker order. When a worker does not freeze
  /// within `timeout`, every worker is resumed and this throws.
  public func freezeWorkers(timeout: Duration) throws(UpgradeFreezeTimeout) -> [WorkerHandover] {
    let freeze = UpgradeFreeze(collectsHandovers: true)
    for worker in workers {
      // Before the command: a turn that pumps hundreds of busy sessions would otherwise hold
      // the freeze, and every other worker's frozen sessions, until it ends. What the cut
      // turn leaves is picked up by each session's registration at its resume or adoption.
      worker.loop.endTurnsEarly()
      worker.post(.freeze(freeze))
    }
    guard freeze.waitUntilFrozen(workers: workers.count, timeout: timeout) else {
      // A worker that freezes late applies the resume right after, in inbox order.
      resumeWorkers()
      throw UpgradeFreezeTimeout(frozen: freeze.frozenWorkers, workers: workers.count)
    }
    return freeze.collectedHandovers
  }

  /// Rollback: every worker carries on where it stopped (`Worker+Freezing`).
  public func resumeWorkers() {
    for worker in workers { worker.post(.resume) }
  }

  /// After a new process took the sessions over and died (design §3.3): the listeners carry
  /// on, every frozen session and mirror is closed with a reset.
  public func resumeWorkersClosingSessions() {
    for worker in workers { worker.post(.resumeClosingSessions) }
  }

  /// Commit: every frozen worker closes its copies of its sessions' and mirrors' descriptors
  /// with plain closes (`Worker.relinquishAll`); returns once all have, or false after
  /// `timeout`. The listeners stay open, and the workers' loops keep turning until `stop`.
  public func relinquishWorkers(timeout: Duration) -> Bool {
    let done = PthreadLocked(0)
    for worker in workers { worker.post(.relinquish { done.withLock { $0 += 1 } }) }
    let deadline = MonotonicClock.now() &+ timeout.nanoseconds
    while done.withLock({ $0 }) < workers.count {
      if MonotonicClock.now() >= deadline { return false }
      usleep(200)
    }
    return true
  }
}
