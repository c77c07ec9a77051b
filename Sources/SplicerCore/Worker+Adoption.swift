import Glibc
import SplicerSystem

/// Adopting the sessions of the old process's worker of the same index in a live upgrade
/// (design §4.4, §5.1, §6.3), in three steps, so that nothing changes before the commit
/// (design §3.2) and every shared count is whole before any worker runs:
/// - `stageAdoption`, per received batch, on the main thread: validates each record against
///   its descriptors with read-only calls and builds its session, registering nothing and
///   counting nothing; a batch with one bad record throws and keeps none of its sessions;
/// - `commitAdoption`, once the upgrade has committed, on the main thread for every worker
///   before `ProxyServer.launch` lets any worker's thread run: takes each session's slots in
///   what the workers share (`ListenerLimit`, `ServerLoadBoard`, the pool's queue places) and
///   puts it in this worker's list, queue order, mirror registry and pipe count, touching no
///   descriptor; what is left goes to `WorkerAdoptionState.awaitingRegistration`;
/// - `registerCommittedAdoption`, the first thing the worker's own thread does (`Worker.run`),
///   before its first turn: closes the descriptors no session keeps, registers the mirrors'
///   and sessions' sockets (`Mirror.rearm`, `Session.rearm`: the bulk of the commit's time,
///   so the workers do it side by side), arms each timer at the deadline its remaining time
///   gives, and lets the queues and listeners look at the counts.
///
/// Until the commit the descriptors stay the receiver's (`AdoptionLedger`); from it, each
/// belongs to its session, and so to its worker.
extension Worker {
  /// The context a record names: by config generation (`ListenerContext.generation`, 0 for
  /// a context built without one) and listener name, among this worker's listeners and
  /// `contexts` (those of older generations that only open sessions still use).
  func adoptionContext(generation: UInt32, name: String, among contexts: [ListenerContext]) -> ListenerContext? {
    func named(_ context: ListenerContext) -> Bool {
      context.name == name && UInt32(context.generation?.number ?? 0) == generation
    }
    return listeners.lazy.map(\.context).first(where: named) ?? contexts.first(where: named)
  }

  /// Validates and builds one batch of sessions; see the type's comment.
  /// - Parameters:
  ///   - descriptors: the batch's descriptors, indexed by the records' references.
  ///   - freezeInstant: the old worker's clock at its safe point (`WorkerHandover`).
  ///   - contexts: contexts of older generations, beside this worker's listeners'.
  func stageAdoption(
    _ records: [SessionRecord], descriptors: [Int32], freezeInstant: UInt64, contexts: [ListenerContext] = []
  ) throws(AdoptionError) {
    var lookups: [(ListenerContext, Session.AdoptionLookup)] = []
    lookups.reserveCapacity(records.count)
    // A batch's records mostly share their listener: the last context found is tried first.
    var last: ListenerContext?
    for record in records {
      guard Int(record.worker) == index else {
        throw AdoptionError(session: record.id, "a record of worker \(record.worker) sent to worker \(index)")
      }
      let reused = last.flatMap { last in
        last.name == record.listenerName && UInt32(last.generation?.number ?? 0) == record.generation ? last : nil
      }
      guard
        let context = reused
          ?? adoptionContext(generation: record.generation, name: record.listenerName, among: contexts)
      else {
        throw AdoptionError(session: record.id, "no listener \(record.listenerName) of generation \(record.generation)")
      }
      last = context
      let lookup = try Session.validateAdoption(
        record, descriptors: descriptors, context: context, bufferSize: resources.buffers.bufferSize)
      lookups.append((context, lookup))
    }
    // The clock itself, not the loop's cached `now`: the loop may not have turned since the
    // freeze (it has not even started in a new process).
    let now = loop.clock.now()
    // The time spent frozen counts: ages and deadlines are as if the session never stopped.
    let elapsed = now >= freezeInstant ? now - freezeInstant : 0
    let base = now &- elapsed
    var built: [WorkerAdoptionState.Staged] = []
    built.reserveCapacity(records.count)
    for (record, (context, lookup)) in zip(records, lookups) {
      let session = try Session(
        adopting: record, descriptors: descriptors, context: context, lookup: lookup, worker: self, base: base)
      let deadline = record.timerRemaining.map { now &+ ($0 > elapsed ? $0 - elapsed : 0) }
      var position: Int?
      var mirror: UInt32?
      var closedAtCommit: Int32?
      switch record.phase {
      case .queued(_, _, let place): position = Int(place)
      case .relaying(let relay), .forwardingAfterReset(let relay, _, _): mirror = relay.mirror
      case .answering(_, let file, _, _): closedAtCommit = descriptors[Int(file)]
      default: break
      }
      built.append(
        .init(
          id: record.id, session: session, deadline: deadline, queuePosition: position, mirror: mirror,
          closedAtCommit: closedAtCommit))
    }
    // Only whole batches are staged: a session that could not be built leaves none of its batch.
    adoption.staged += built
  }

  /// Forgets what was staged, after an aborted upgrade: the receiver's ledger closes the
  /// descriptors, and nothing was registered or counted.
  func abandonAdoption() {
    // Only before the commit: after it the sessions are counted and owned by this worker.
    assert(adoption.awaitingRegistration == nil, "an adoption abandoned after its commit")
    for staged in adoption.staged {
      // The sessions own no descriptor yet (the ledger does); closed, nothing acts on them.
      // Copy buffers they leased for pending bytes are memory only, and the process exits.
      staged.session.phase = .closed
    }
    adoption.staged.removeAll()
    adoption.mirrors.removeAll()
  }

  /// The commit's counting half; see the type's comment. Runs on the main thread, for every
  /// worker, before any worker's thread runs: when the first worker accepts, the listener
  /// limits, the server load board and the queue places already count every session adopted
  /// by every worker, so none admits past a `max_connections` another's sessions fill.
  /// Registers nothing and cannot fail; `registerCommittedAdoption` does the rest on this
  /// worker's thread, once.
  func commitAdoption() {
    precondition(adoption.awaitingRegistration == nil, "an adoption committed twice")
    let staged = adoption.staged
    let mirrors = adoption.mirrors
    adoption.staged.removeAll()
    adoption.mirrors.removeAll()
    // In the registry, where a freeze finds lingering mirrors too; their pipes count as leased.
    for entry in mirrors.values {
      resources.mirrors.add(entry.mirror)
      if let pipe = entry.mirror.adoptedPipe { resources.pipes.adopt(pipe) }
    }
    // Queue order first, from the old positions, so the oldest waiter stays first.
    for entry in staged.sorted(by: { ($0.queuePosition ?? 0) < ($1.queuePosition ?? 0) }) {
      guard entry.queuePosition != nil, let pool = entry.session.pool else { continue }
      pool.adoptQueuePlace()
      queues[ObjectIdentifier(pool), default: []].append(entry.session)
    }
    for entry in staged {
      let session = entry.session
      insertAdopted(session)
      session.listener.limit.adopt()
      if let upstream = session.phase.upstream { serverLoad.adopt(upstream.backend.id) }
      if let relay = session.phase.relay {
        relay.mirror = entry.mirror.flatMap { mirrors[$0]?.mirror }
        for pipe in [relay.toServer.pendingPipe, relay.toClient.pendingPipe].compactMap({ $0 }) {
          resources.pipes.adopt(pipe)
        }
      }
    }
    // Set even when nothing was adopted, so that the thread refreshes its clock as before.
    adoption.awaitingRegistration = .init(sessions: staged, mirrors: Array(mirrors.values))
  }

  /// The commit's registering half; see the type's comment. The worker's thread runs it
  /// first (`Worker.run`), after `launch` registered the listening sockets and before the
  /// loop's first turn; a test that drives the worker without a thread calls it after
  /// `commitAdoption`. Runs once per commit, and does nothing without one (an ordinary start,
  /// or after `abandonAdoption`). Cannot fail: a session whose registration fails closes with
  /// `resources`, as any session would.
  func registerCommittedAdoption() {
    guard let committed = adoption.awaitingRegistration.take() else { return }
    // The staging ran before the loop's first turn: its cached time may be seconds old.
    loop.refreshNow()
    // Mirrors first: a relay hands its mirror each fill from its first pump on.
    for entry in committed.mirrors { entry.mirror.rearm(deadline: entry.deadline) }
    for entry in committed.sessions {
      if let fd = entry.closedAtCommit { Glibc.close(fd) }
      entry.session.rearm()
      if !entry.session.phase.isClosed, let deadline = entry.deadline { loop.schedule(entry.session, at: deadline) }
    }
    // Shared slots are taken here as anywhere at run time (a queued session that finds a free
    // server connects); every worker's adopted sessions were counted before this thread ran.
    wakeQueuedSessions()
    for listener in listeners { listener.resumeIfBelowLimit() }
    adoption.catchUpPending = !committed.sessions.isEmpty
  }

  /// How many fills a session's pump may do now (`RelayDirection.pump`).
  var fillBudget: Int { adoption.catchingUp ? RelayDirection.catchUpBudget : RelayDirection.fillBudget }

  /// The first turn of a worker that adopted sessions, on its thread: every relaying pump does
  /// one fill (`RelayDirection.catchUpBudget`). Each adopted session has a pause's worth of
  /// bytes queued, and with the full budget the sessions pumped first in the turn would move
  /// all of theirs before the last one moved a byte (a first turn of 110–160 ms with 530
  /// busy sessions per worker in the scale run). What is left yields and carries on in the
  /// next turns, with the full budget.
  func runCatchUpTurn() throws(SyscallError) {
    guard adoption.catchUpPending else { return }
    adoption.catchUpPending = false
    adoption.catchingUp = true
    defer { adoption.catchingUp = false }
    try loop.runOnce()
  }
}
