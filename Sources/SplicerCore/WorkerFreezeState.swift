/// What a worker keeps about freezing (`Worker+Freezing`): the freezes and resumes asked for
/// and not yet applied, and, while frozen, everything the freeze stopped with what it needs
/// to start again. Owned by the worker, on its thread.
struct WorkerFreezeState {
  enum Request {
    case freeze(UpgradeFreeze)
    /// `closingSessions`: the sessions are not resumed but reset (`Worker+Freezing`).
    case resume(closingSessions: Bool)
  }

  /// A session as the freeze left it.
  struct FrozenSession {
    let session: Session
    /// The absolute deadline of its timer, nil when none was armed.
    let deadline: UInt64?
    /// A deferred pump was queued (`Session.deferredRunQueued`); the resume's one pump per
    /// relaying session makes up for it (`Session.rearm`).
    let pumpOnce: Bool
  }

  /// A mirror as the freeze left it, lingering or not.
  struct FrozenMirror {
    let mirror: Mirror
    /// The linger timer's absolute deadline, nil when none was armed.
    let deadline: UInt64?
  }

  /// What the freeze stopped.
  struct Frozen {
    /// The loop's time at the safe point.
    let at: UInt64
    var sessions: [FrozenSession] = []
    var mirrors: [FrozenMirror] = []
    /// The pacing divider's next count, nil when it was not counting.
    var pacingDeadline: UInt64?
    /// Reloads and drains that came while frozen, applied in order after the resume.
    var heldCommands: [WorkerCommand] = []
  }

  /// Applied in order at the end of the turn (`EventLoop.afterTurn`).
  var requests: [Request] = []
  /// Non-nil while the worker is frozen.
  var frozen: Frozen?
}
