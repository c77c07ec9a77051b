import SplicerSystem

/// The old process's side of the handover protocol (design §3.2, step 10 of §14): negotiates
/// with the new process, sends the running config and the listeners, freezes the donor, sends
/// every worker's records with at most `window` batches unacknowledged, then commits, or rolls
/// back on any failure before `Committed` (§8.3), checking for a late `Committed` (§3.3).
///
/// Owns the channel end it is given (closed when `run` returns) and drives the donor from the
/// calling thread; the donor keeps owning every descriptor it lends, until `relinquish` and
/// `releaseListeners` after the commit. One `run` per coordinator.
public final class UpgradeCoordinator {
  /// The most session and mirror batches sent and not yet acknowledged (§5.1).
  public static let window = 8

  var link: UpgradeLink
  let donor: UpgradeDonor
  let identity: UpgradeIdentity
  let childPID: Int32?
  let timeouts: UpgradeTimeouts
  let hooks: UpgradeCoordinatorHooks
  let startedAt: UInt64

  var stage = UpgradeStage.hello
  var frozen = false
  /// When the freeze ends at the latest (`timeouts.freeze` after it began).
  var freezeDeadline = UInt64.max
  /// Sequence numbers of batches sent and not yet acknowledged.
  var outstanding: [UInt32] = []
  /// What was sent, for checking `Prepared`.
  var sent = UpgradePrepared(sessions: 0, mirrors: 0, listeners: 0, descriptors: 0, recordsCRC: 0)
  var recordsCRC = UpgradeCRC32()
  /// The stretches of the last committed `run`, for its log line.
  public private(set) var timings = UpgradeTimings()
  /// The histograms' read from the end of the freeze (wire version 2 and later); dropped
  /// (joined) only after a rollback has resumed the workers.
  var histogramRead: HistogramRead?

  /// - Parameters:
  ///   - childPID: the spawned new process, killed and reaped on a rollback; nil in tests.
  ///   - startedAt: when the upgrade began (the spawn), monotonic nanoseconds.
  public init(
    channel: DescriptorChannel, donor: UpgradeDonor, identity: UpgradeIdentity, childPID: Int32?,
    timeouts: UpgradeTimeouts = UpgradeTimeouts(), hooks: UpgradeCoordinatorHooks = UpgradeCoordinatorHooks(),
    startedAt: UInt64 = MonotonicClock.now()
  ) {
    self.link = UpgradeLink(channel: channel)
    link.heartbeat = hooks.heartbeat
    self.donor = donor
    self.identity = identity
    self.childPID = childPID
    self.timeouts = timeouts
    self.hooks = hooks
    self.startedAt = startedAt
  }

  /// Runs the whole protocol and says how it ended. Blocks the calling thread, never longer
  /// than the timeouts allow.
  public func run() -> UpgradeOutcome {
    let newPID: Int32
    do {
      newPID = try handOver()
    } catch {
      return rollBack(error)
    }
    // The commit point has passed: nothing below may fail the upgrade.
    stage = .released
    donor.relinquish()
    hooks.afterCommit(newPID)
    donor.releaseListeners()
    _ = try? link.send(.released(pendingReload: hooks.pendingReload()), deadline: farewellDeadline)
    link.close()
    return .upgraded(newPID: newPID)
  }

  /// Everything up to reading `Committed`; returns the new pid it carries.
  private func handOver() throws(UpgradeStop) -> Int32 {
    try negotiate()
    stage = .runningConfig
    for chunk in donor.runningConfig().chunks() {
      try link.send(.runningConfig(chunk), deadline: overallDeadline)
    }
    stage = .listeners
    try sendListeners()
    stage = .readyForState
    try awaitReadyForState()
    try checkVeto()
    stage = .freeze
    // The freeze bound counts from the freeze's start: the first worker stops serving then.
    let freezeStart = MonotonicClock.now()
    let handovers: [WorkerHandover]
    do {
      handovers = try donor.freeze(timeout: timeouts.freeze)
    } catch {
      throw UpgradeStop(.timedOut, "workers did not freeze: \(error)")
    }
    frozen = true
    freezeDeadline = freezeStart.addingClamped(timeouts.freeze.nanoseconds)
    let transferStart = MonotonicClock.now()
    timings.freeze = transferStart &- freezeStart
    // Read after the freeze too, so that no observation falls between the two processes, and
    // beside the records' sending (`HistogramRead`); a new binary that agreed on an older
    // version gets none (its histograms restart at zero).
    // Kept by the coordinator: a rollback resumes the workers before it waits for the read.
    histogramRead =
      link.version >= UpgradeMessageType.histograms.introducedIn
      ? HistogramRead { [donor] in donor.histograms() } : nil
    stage = .workers
    for handover in handovers { try send(handover) }
    stage = .snapshots
    for chunk in donor.counters() { try link.send(.counters(chunk), deadline: frozenDeadline) }
    if let histogramRead {
      for batch in HistogramSnapshot.batches(histogramRead.wait()) {
        try link.send(.histograms(batch), deadline: frozenDeadline)
      }
    }
    try link.send(.health(donor.health()), deadline: frozenDeadline)
    stage = .prepared
    try awaitPrepared()
    try checkVeto()
    stage = .commit
    let commitStart = MonotonicClock.now()
    timings.transfer = commitStart &- transferStart
    let commitDeadline = commitStart.addingClamped(timeouts.commit.nanoseconds)
    try link.send(.commit, deadline: commitDeadline)
    while true {
      let (envelope, _) = try link.receive(deadline: commitDeadline, ledger: nil, "waiting for Committed")
      switch envelope.message {
      case .committed(let pid):
        timings.commit = MonotonicClock.now() &- commitStart
        return pid
      case .batchAck: continue
      case .abort(let notice): throw UpgradeStop(peer: notice)
      case let other: throw UpgradeStop.unexpected(other, "waiting for Committed")
      }
    }
  }

  private func checkVeto() throws(UpgradeStop) {
    if hooks.vetoed() { throw UpgradeStop(.aborted, "stopped by a signal before the commit") }
  }

  var overallDeadline: UInt64 { startedAt.addingClamped(timeouts.overall.nanoseconds) }
  /// While frozen: the overall bound or the freeze bound, whichever comes first.
  var frozenDeadline: UInt64 { min(overallDeadline, freezeDeadline) }
  var farewellDeadline: UInt64 { MonotonicClock.now().addingClamped(timeouts.farewell.nanoseconds) }
}

extension UInt64 {
  /// `self + other`, saturating at `UInt64.max` (a deadline that never comes).
  func addingClamped(_ other: UInt64) -> UInt64 {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? .max : sum
  }
}
