/// The new process's side of a live upgrade, as the handover protocol (`UpgradeReceiver`)
/// drives it: implemented over a `ProxyServer` built from the running config without binding,
/// and by a fake in the protocol's tests. Until `commit`, it makes no call that changes a
/// received descriptor's kernel state (design §3.2): validation only.
///
/// Every received descriptor is in the receiver's `AdoptionLedger`; the recipient takes
/// ownership of them only at `commit`. The receiver makes the recipient from the
/// `RunningConfigRecord` it receives (a closure given to it), so a recipient exists only once
/// the running config was rebuilt.
public protocol UpgradeRecipient: AnyObject {
  /// Takes the listening sockets (`descriptors` indexed by the records' references).
  func adoptListeners(_ records: [ListenerRecord], descriptors: [Int32]) throws
  /// Every `Listeners` batch has arrived; called before `ReadyForState`, so that whatever the
  /// recipient builds from them happens before the old process freezes.
  func listenersReceived() throws
  /// Validates and builds one batch of a worker's sessions; spilled copy-buffer bytes are
  /// already put back into the records by the receiver.
  func adoptSessions(
    _ records: [SessionRecord], descriptors: [Int32], worker: Int, freezeInstant: UInt64
  ) throws
  /// Validates and builds one batch of a worker's mirrors.
  func adoptMirrors(_ records: [MirrorRecord], descriptors: [Int32], worker: Int, freezeInstant: UInt64) throws
  func seed(counters: [CounterSnapshot], health: HealthSnapshot) throws
  /// The old process's latency histograms (wire version 2 and later; empty otherwise), to
  /// carry on from; after `seed(counters:health:)`.
  func seed(histograms: [HistogramSnapshot]) throws
  /// Everything is received: re-derive the shared counts and report what was adopted.
  func prepare() throws -> UpgradePrepared
  /// After `Committed` was written: register every descriptor, start the workers and
  /// accepting. Cannot fail.
  func commit()
}

extension UpgradeRecipient {
  public func listenersReceived() throws {}
  public func seed(histograms: [HistogramSnapshot]) throws {}
}
