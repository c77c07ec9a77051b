import Logging
import SplicerSystem

/// The new process's side of a live upgrade (`UpgradeRecipient`) over a `ProxyServer` built
/// from the old process's running config and sockets (`ProxyServer.init(adopting:)`).
///
/// Made by the executable from the `RunningConfigRecord` (`UpgradeReceiver`'s closure), on
/// the main thread, before any worker thread exists. Until `commit`, it only validates and
/// builds (the workers stage what they adopt); the receiver's ledger owns every descriptor.
/// Once the proxy is built, before `ReadyForState`, `onBuilt` prepares whatever else can fail
/// (the new config's reload, the threads), so that a failure is a refusal. `commit` counts
/// every staged session in what the workers share and puts it in its worker, for every worker
/// (`Worker.commitAdoption`), and then hands the proxy (with the adopted admin socket) to
/// `onCommit`, which launches it: each worker's thread registers its own sessions before its
/// first turn (`Worker.registerCommittedAdoption`), the workers side by side.
public final class ProxyUpgradeRecipient: UpgradeRecipient {
  private let config: RebuiltRunningConfig
  private let logger: Logger
  private let onBuilt: (ProxyServer) throws -> Void
  private let onCommit: (ProxyServer, _ adminSocket: Int32?) -> Void
  private var listenerRecords: [ListenerRecord] = []
  private var listenerDescriptors: [Int32] = []
  private var proxy: ProxyServer?
  /// The contexts sessions are looked up in: the running generation's (its listeners are
  /// not with their workers before `start`) and the older generations'.
  private var contexts: [ListenerContext] = []
  private var adopted = UpgradePrepared(sessions: 0, mirrors: 0, listeners: 0, descriptors: 0, recordsCRC: 0)
  /// The old process's process-wide counter series, to add as a base at scrape time.
  public private(set) var carriedSeries: [HealthSnapshot.Series] = []
  /// The old process's latency histograms, likewise (wire version 2 and later).
  public private(set) var carriedHistograms: [HistogramSnapshot] = []

  /// - Parameter onBuilt: called once the proxy is built, before `ReadyForState`: what it
  ///   throws is the refusal (an `UpgradeNotice`, or `recordInvalid` for another error).
  public init(
    _ record: RunningConfigRecord, logger: Logger, onBuilt: @escaping (ProxyServer) throws -> Void = { _ in },
    onCommit: @escaping (ProxyServer, _ adminSocket: Int32?) -> Void
  ) throws {
    config = try RebuiltRunningConfig(record)
    self.logger = logger
    self.onBuilt = onBuilt
    self.onCommit = onCommit
  }

  /// The proxy built from the old process's state (once its listeners arrived).
  public var server: ProxyServer? { proxy }

  /// The running generation rebuilt from the old process's bytes.
  public var running: ConfigGeneration { config.running }

  public func adoptListeners(_ records: [ListenerRecord], descriptors: [Int32]) throws {
    // Batches join into one descriptor array: each record's references move past the
    // descriptors of the batches before it.
    let offset = UInt16(listenerDescriptors.count)
    listenerRecords += records.map { $0.mappingDescriptors { $0 + offset } }
    listenerDescriptors += descriptors
    adopted.listeners += UInt32(records.count)
    adopted.descriptors += UInt32(descriptors.count)
  }

  /// Builds the proxy (host-name lookups, fallback files, the workers' loops) and runs
  /// `onBuilt` before the old process freezes: none of it should lengthen the freeze, and a
  /// failure is still a refusal.
  public func listenersReceived() throws {
    try onBuilt(try builtServer())
  }

  /// The proxy, built once: after the last `Listeners` batch.
  private func builtServer() throws -> ProxyServer {
    if let proxy { return proxy }
    let proxy = try ProxyServer(
      adopting: config, listeners: listenerRecords.filter { !$0.isAdmin }, descriptors: listenerDescriptors,
      logger: logger)
    contexts =
      proxy.pendingListeners.map(\.context) + (try proxy.contexts(ofOlder: Array(config.generations.dropLast())))
    self.proxy = proxy
    return proxy
  }

  private func worker(_ index: Int) throws -> Worker {
    let proxy = try builtServer()
    guard proxy.workers.indices.contains(index) else {
      throw UpgradeNotice(.recordInvalid, "records of worker \(index); this process runs \(proxy.workers.count)")
    }
    return proxy.workers[index]
  }

  public func adoptSessions(_ records: [SessionRecord], descriptors: [Int32], worker: Int, freezeInstant: UInt64)
    throws
  {
    try self.worker(worker).stageAdoption(
      records, descriptors: descriptors, freezeInstant: freezeInstant, contexts: contexts)
    adopted.sessions += UInt32(records.count)
    adopted.descriptors += UInt32(descriptors.count)
  }

  public func adoptMirrors(_ records: [MirrorRecord], descriptors: [Int32], worker: Int, freezeInstant: UInt64)
    throws
  {
    try self.worker(worker).stageMirrors(records, descriptors: descriptors, freezeInstant: freezeInstant)
    adopted.mirrors += UInt32(records.count)
    adopted.descriptors += UInt32(descriptors.count)
  }

  public func seed(counters: [CounterSnapshot], health: HealthSnapshot) throws {
    try builtServer().seed(counters: counters, health: health)
    carriedSeries = health.series
  }

  public func seed(histograms: [HistogramSnapshot]) throws {
    carriedHistograms = histograms
  }

  public func prepare() throws -> UpgradePrepared {
    for worker in try builtServer().workers { try worker.checkAdoptedMirrors() }
    return adopted
  }

  public func commit() {
    guard let proxy else { return }
    // Every worker's counts before any worker runs: a worker that starts first must not admit
    // past a limit that another's adopted sessions fill.
    for worker in proxy.workers { worker.commitAdoption() }
    onCommit(proxy, ListenerRecord.adminSocket(in: listenerRecords, descriptors: listenerDescriptors))
  }

  /// After a failed upgrade: forgets what the workers staged (the receiver's ledger closes
  /// the descriptors).
  public func abandon() {
    for worker in proxy?.workers ?? [] { worker.abandonAdoption() }
  }
}
