/// Message payloads: the small messages here, the records in their own files. Every record
/// list is bounded: a batch holds at most as many records as descriptors can travel, since each
/// record refers to at least one.
extension UpgradeWireReader {
  /// The payload of a message of `type`; the caller checks with `finish()` that nothing is left.
  public mutating func readMessage(of type: UpgradeMessageType) throws(UpgradeWireError) -> UpgradeMessage {
    switch type {
    case .hello:
      let oldest = try u16("oldest version")
      let newest = try u16("newest version")
      guard oldest <= newest else { throw .inconsistent("wire range \(oldest)...\(newest)") }
      return .hello(
        UpgradeHello(
          oldestVersion: oldest, newestVersion: newest, binaryVersion: try string("binary version"),
          bootID: try string("boot id"), uid: try u32("uid"), pid: try i32("pid"),
          configDigest: Array(
            try take(try count("config digest", limit: UpgradeHello.maximumDigestLength), "config digest"))))
    case .welcome:
      return .welcome(
        UpgradeWelcome(
          chosenVersion: try u16("chosen version"), oldBinaryVersion: try string("old binary version"),
          oldPID: try i32("old pid"), freezeTimeout: try u64("freeze timeout")))
    case .refuse:
      return .refuse(try notice())
    case .abort:
      return .abort(try notice())
    case .runningConfig:
      return .runningConfig(try runningConfigChunk())
    case .listeners:
      var records: [ListenerRecord] = []
      for _ in 0..<(try count("listener count", limit: UpgradeWire.maximumDescriptors)) {
        records.append(try listenerRecord())
      }
      return .listeners(records)
    case .readyForState:
      return .readyForState
    case .commit:
      return .commit
    case .workerBegin:
      return .workerBegin(try workerCounts(), freezeInstant: try u64("freeze instant"))
    case .sessionBatch:
      var records: [SessionRecord] = []
      for _ in 0..<(try count("session count", limit: UpgradeWire.maximumDescriptors)) {
        records.append(try sessionRecord())
      }
      return .sessionBatch(records)
    case .bytes:
      let session = try u32("bytes session")
      let side = try sideRecord("bytes side")
      return .bytes(
        UpgradeBytesChunk(session: session, side: side, offset: try u32("bytes offset"), bytes: try blob("bytes")))
    case .mirrorBatch:
      var records: [MirrorRecord] = []
      for _ in 0..<(try count("mirror count", limit: UpgradeWire.maximumDescriptors)) {
        records.append(try mirrorRecord())
      }
      return .mirrorBatch(records)
    case .workerEnd:
      return .workerEnd(try workerCounts(), recordsCRC: try u32("records crc"))
    case .counters:
      return .counters(try counterSnapshot())
    case .health:
      return .health(try healthSnapshot())
    case .histograms:
      var series: [HistogramSnapshot] = []
      for _ in 0..<(try count("histogram count", limit: UpgradeWire.maximumPayloadLength)) {
        series.append(try histogramSnapshot())
      }
      return .histograms(series)
    case .batchAck:
      return .batchAck(sequence: try u32("acknowledged sequence"))
    case .prepared:
      return .prepared(
        UpgradePrepared(
          sessions: try u32("sessions"), mirrors: try u32("mirrors"), listeners: try u32("listeners"),
          descriptors: try u32("descriptors"), recordsCRC: try u32("records crc")))
    case .committed:
      return .committed(pid: try i32("pid"))
    case .released:
      return .released(pendingReload: try bool("pending reload"))
    }
  }

  private mutating func notice() throws(UpgradeWireError) -> UpgradeNotice {
    let raw = try u16("reason")
    guard let reason = UpgradeRefusal(rawValue: raw) else { throw .unknownTag(field: "reason", value: UInt64(raw)) }
    return UpgradeNotice(reason, try string("reason text"))
  }

  private mutating func workerCounts() throws(UpgradeWireError) -> UpgradeWorkerCounts {
    UpgradeWorkerCounts(
      worker: try u16("worker"), sessions: try u32("sessions"), mirrors: try u32("mirrors"),
      descriptors: try u32("descriptors"), bytes: try u64("bytes"))
  }

  mutating func sideRecord(_ field: String) throws(UpgradeWireError) -> RelaySideRecord {
    let raw = try u8(field)
    guard let side = RelaySideRecord(rawValue: raw) else { throw .unknownTag(field: field, value: UInt64(raw)) }
    return side
  }
}
