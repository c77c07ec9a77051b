/// One upgrade message with its payload (design §4.2).
public enum UpgradeMessage: Hashable, Sendable {
  case hello(UpgradeHello)
  case welcome(UpgradeWelcome)
  case refuse(UpgradeNotice)
  /// One chunk of the encoded `RunningConfigRecord` (`RunningConfigRecord.chunks`).
  case runningConfig(RunningConfigChunk)
  case listeners([ListenerRecord])
  case readyForState
  /// `freezeInstant` is the worker's monotonic clock at its safe point, the instant every age
  /// and remaining time of its records counts from.
  case workerBegin(UpgradeWorkerCounts, freezeInstant: UInt64)
  case sessionBatch([SessionRecord])
  case bytes(UpgradeBytesChunk)
  case mirrorBatch([MirrorRecord])
  /// The counts again and the CRC32 of the worker's records.
  case workerEnd(UpgradeWorkerCounts, recordsCRC: UInt32)
  case counters(CounterSnapshot)
  case health(HealthSnapshot)
  /// One batch of latency histogram series (`HistogramSnapshot.batches`); wire version 2.
  case histograms([HistogramSnapshot])
  /// The highest sequence number adopted.
  case batchAck(sequence: UInt32)
  case prepared(UpgradePrepared)
  case commit
  case committed(pid: Int32)
  /// Whether a SIGHUP arrived during the upgrade (the new process then reloads).
  case released(pendingReload: Bool)
  case abort(UpgradeNotice)

  public var type: UpgradeMessageType {
    switch self {
    case .hello: .hello
    case .welcome: .welcome
    case .refuse: .refuse
    case .runningConfig: .runningConfig
    case .listeners: .listeners
    case .readyForState: .readyForState
    case .workerBegin: .workerBegin
    case .sessionBatch: .sessionBatch
    case .bytes: .bytes
    case .mirrorBatch: .mirrorBatch
    case .workerEnd: .workerEnd
    case .counters: .counters
    case .health: .health
    case .histograms: .histograms
    case .batchAck: .batchAck
    case .prepared: .prepared
    case .commit: .commit
    case .committed: .committed
    case .released: .released
    case .abort: .abort
    }
  }
}
