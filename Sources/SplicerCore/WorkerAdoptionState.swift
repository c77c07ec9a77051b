/// What a worker of the new process holds of a live upgrade's adoption between the records'
/// arrival and the commit (`Worker+Adoption`): sessions built and validated, and the
/// descriptors they will own, none registered and no board counted yet (design §3.2).
/// Owned by the worker; filled and committed on the thread that drives it before its loop
/// starts.
struct WorkerAdoptionState {
  /// A session built from its record, with what the commit needs to put it in place.
  struct Staged {
    let session: Session
    /// The timer's new absolute deadline, nil when none was armed.
    let deadline: UInt64?
    /// The place in this worker's queue for its pool, for a `queued` session.
    let queuePosition: Int?
  }

  var staged: [Staged] = []
}
