import SplicerSystem

/// The new process's side of the handover protocol (design §3.2, step 10 of §14): says
/// `Hello`, rebuilds the running config into an `UpgradeRecipient`, hands it the listeners,
/// then every frozen worker's records, and commits when told to.
///
/// Every descriptor that arrives goes into the receiver's `AdoptionLedger` first: on an
/// `Abort`, the end of the channel or any error before `Committed` they are all closed (plain
/// `close`), and nothing was adopted. After `Committed` the ledger lets go and the recipient
/// owns them. Owns the channel end it is given (closed when `run` returns). One `run` per
/// receiver, on one thread.
public final class UpgradeReceiver {
  public typealias MakeRecipient = (RunningConfigRecord) throws -> UpgradeRecipient
  public typealias FaultHook = (UpgradeFaultPoint) -> UpgradeFaultAction

  var link: UpgradeLink
  let identity: UpgradeIdentity
  let configDigest: [UInt8]
  let makeRecipient: MakeRecipient
  let fault: FaultHook?
  let descriptorRoom: () -> Int
  let timeout: Duration
  let releaseTimeout: Duration
  public let ledger = AdoptionLedger()

  var stage = UpgradeStage.hello
  var deadline = UInt64.max
  /// `ReadyForState` was sent: from then on a failure is an `Abort`, before it a `Refuse`.
  var readySent = false
  var recipient: UpgradeRecipient?
  var recordsCRC = UpgradeCRC32()
  var batchesAdopted = 0
  /// Where the time of the last committed `run` went, for its log line.
  public internal(set) var timings = AdoptionTimings()

  /// - Parameters:
  ///   - timeout: from the start to `Commit`; after it the old process has given up anyway.
  ///   - releaseTimeout: how long to wait for `Released` after committing.
  ///   - descriptorRoom: how many more descriptors the process can open (default: the soft
  ///     `RLIMIT_NOFILE` minus the entries of /proc/self/fd).
  ///   - fault: asked at each `UpgradeFaultPoint`; nil in production.
  public init(
    channel: DescriptorChannel, identity: UpgradeIdentity, configDigest: [UInt8] = [],
    timeout: Duration = .seconds(30), releaseTimeout: Duration = .seconds(10),
    descriptorRoom: @escaping () -> Int = UpgradeReceiver.descriptorRoom, fault: FaultHook? = nil,
    makeRecipient: @escaping MakeRecipient
  ) {
    self.link = UpgradeLink(channel: channel)
    self.identity = identity
    self.configDigest = configDigest
    self.timeout = timeout
    self.releaseTimeout = releaseTimeout
    self.descriptorRoom = descriptorRoom
    self.fault = fault
    self.makeRecipient = makeRecipient
  }

  /// Runs the protocol to its end and says how it ended.
  public func run() -> UpgradeReceipt {
    defer { link.close() }
    deadline = MonotonicClock.now().addingClamped(timeout.nanoseconds)
    let recipient: UpgradeRecipient
    do {
      recipient = try receiveEverything()
      try check(.beforeCommitted)
      try link.send(.committed(pid: identity.pid), deadline: deadline)
    } catch {
      return fail(error)
    }
    // Committed is written: everything is this process's now, whatever happens to the old one.
    ledger.release()
    let commitStart = MonotonicClock.now()
    recipient.commit()
    timings.commit = MonotonicClock.now() &- commitStart
    stage = .released
    if fault?(.afterCommitted) == .die {
      return .failed(UpgradeFailure(UpgradeNotice(.aborted, "fault injected after Committed"), stage: stage))
    }
    let releaseDeadline = MonotonicClock.now().addingClamped(releaseTimeout.nanoseconds)
    guard let (envelope, _) = try? link.receive(deadline: releaseDeadline, ledger: nil, "waiting for Released"),
      case .released(let pendingReload) = envelope.message
    else { return .adopted(pendingReload: false, released: false) }
    return .adopted(pendingReload: pendingReload, released: true)
  }

  /// Everything up to `Commit`; returns the recipient, prepared.
  private func receiveEverything() throws(UpgradeStop) -> UpgradeRecipient {
    try check(.beforeHello)
    try negotiate()
    stage = .runningConfig
    let recipient = try receiveRunningConfig()
    self.recipient = recipient
    try check(.afterRunningConfig)
    stage = .listeners
    try receiveListeners(into: recipient)
    try check(.afterListeners)
    stage = .readyForState
    try link.send(.readyForState, deadline: deadline)
    readySent = true
    stage = .workers
    // The workers end with the counters' chunks (none for an empty table set), the
    // histograms' batches (from wire version 2; none when nothing was recorded), then Health.
    var next = try receiveWorkers(into: recipient)
    stage = .snapshots
    var counters: [CounterSnapshot] = []
    var histograms: [HistogramSnapshot] = []
    while true {
      if case .counters(let chunk) = next, histograms.isEmpty {
        counters.append(chunk)
      } else if case .histograms(let batch) = next, link.version >= UpgradeMessageType.histograms.introducedIn {
        histograms += batch
      } else {
        break
      }
      let (envelope, _) = try link.receive(deadline: deadline, ledger: ledger, "waiting for Health")
      next = envelope.message
    }
    guard case .health(let health) = next else { throw stop(next, "waiting for Health") }
    try adopting { () throws in try recipient.seed(counters: counters, health: health) }
    try adopting { () throws in try recipient.seed(histograms: histograms) }
    stage = .prepared
    var prepared = try adopting { () throws in try recipient.prepare() }
    prepared.recordsCRC = recordsCRC.value
    try check(.beforePrepared)
    try link.send(.prepared(prepared), deadline: deadline)
    try check(.afterPrepared)
    stage = .commit
    let (commit, _) = try link.receive(deadline: deadline, ledger: ledger, "waiting for Commit")
    guard case .commit = commit.message else { throw stop(commit.message, "waiting for Commit") }
    return recipient
  }

  /// Closes what arrived, tells the peer unless it spoke first or is gone, and says why.
  private func fail(_ stop: UpgradeStop) -> UpgradeReceipt {
    ledger.closeAll()
    if stop.tellPeer {
      let farewell = MonotonicClock.now().addingClamped(UpgradeTimeouts().farewell.nanoseconds)
      _ = try? link.send(readySent ? .abort(stop.notice) : .refuse(stop.notice), deadline: farewell)
    }
    return .failed(UpgradeFailure(stop.notice, stage: stage, byPeer: stop.byPeer))
  }

  /// What an unexpected message means: the peer's own `Refuse` or `Abort`, or a protocol error.
  func stop(_ message: UpgradeMessage, _ doing: String) -> UpgradeStop {
    switch message {
    case .refuse(let notice), .abort(let notice): UpgradeStop(peer: notice)
    default: UpgradeStop.unexpected(message, doing)
    }
  }

  /// Runs a recipient call; what it throws is a refusal it chose (an `UpgradeNotice`) or an
  /// invalid record.
  func adopting<T>(_ body: () throws -> T) throws(UpgradeStop) -> T {
    do {
      return try body()
    } catch let notice as UpgradeNotice {
      throw UpgradeStop(notice.reason, notice.text)
    } catch {
      throw UpgradeStop(.recordInvalid, "\(error)")
    }
  }
}
