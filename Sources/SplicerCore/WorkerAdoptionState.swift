/// What a worker of the new process holds of a live upgrade's adoption (`Worker+Adoption`):
/// from the records' arrival to the commit, sessions built and validated and the descriptors
/// they will own, none registered and no board counted yet (design §3.2); from the commit to
/// the worker's first turn, what the commit counted and the worker's thread has yet to register.
/// Owned by the worker. Staged and committed on the main thread before the worker's thread
/// runs; `awaitingRegistration` is then the worker thread's, handed over by its
/// `PreparedThread` gate, and emptied by it before its first turn.
struct WorkerAdoptionState {
  /// A session built from its record, with what the commit needs to put it in place.
  struct Staged {
    /// The record's id, for errors.
    let id: UInt32
    let session: Session
    /// The timer's new absolute deadline, nil when none was armed.
    let deadline: UInt64?
    /// The place in this worker's queue for its pool, for a `queued` session.
    let queuePosition: Int?
    /// The id of the relay's mirror (`MirrorRecord.id`), linked at the commit.
    let mirror: UInt32?
    /// A received descriptor the session does not keep (an `answering` session's fallback
    /// file, of which it keeps a duplicate): the ledger's until the commit, closed then.
    let closedAtCommit: Int32?
  }

  /// A mirror built from its record, with its linger timer's new deadline.
  struct StagedMirror {
    let mirror: Mirror
    let deadline: UInt64?
  }

  /// What `Worker.commitAdoption` counted and put in place, for
  /// `Worker.registerCommittedAdoption` to register on the worker's thread.
  struct AwaitingRegistration {
    let sessions: [Staged]
    let mirrors: [StagedMirror]
  }

  var staged: [Staged] = []
  /// Set by `registerCommittedAdoption` when sessions were adopted: the worker's first turn
  /// is then a catch-up turn (`Worker.runCatchUpTurn`), during which `catchingUp` is true.
  var catchUpPending = false
  /// During the catch-up turn: every pump uses `RelayDirection.catchUpBudget`.
  var catchingUp = false
  /// By `MirrorRecord.id`, which the relays' records refer to.
  var mirrors: [UInt32: StagedMirror] = [:]
  /// Set by the commit (even when nothing was adopted), taken by the worker's thread; nil
  /// before the commit, after the registration, and in a worker that adopts nothing.
  var awaitingRegistration: AwaitingRegistration?
}
