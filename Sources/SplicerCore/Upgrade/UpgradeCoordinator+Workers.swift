import SplicerSystem

/// Sending the frozen workers' records, with flow control (design §5.1), and checking
/// `Prepared` against what was sent.
extension UpgradeCoordinator {
  func send(_ handover: WorkerHandover) throws(UpgradeStop) {
    let sessions = DescriptorBatcher.batches(handover.sessions)
    let mirrors = DescriptorBatcher.batches(handover.mirrors)
    var crc = UpgradeCRC32()
    var bytes: UInt64 = 0
    for outgoing in sessions + mirrors {
      switch outgoing.message {
      case .sessionBatch(let records): UpgradeCRC32.add(records: records, to: &crc, and: &recordsCRC)
      case .mirrorBatch(let records): UpgradeCRC32.add(records: records, to: &crc, and: &recordsCRC)
      case .bytes(let chunk): bytes += UInt64(chunk.bytes.count)
      default: break
      }
    }
    let descriptors = (handover.sessions.map(\.descriptors.count) + handover.mirrors.map(\.descriptors.count))
      .reduce(0, +)
    let counts = UpgradeWorkerCounts(
      worker: UInt16(handover.worker), sessions: UInt32(handover.sessions.count),
      mirrors: UInt32(handover.mirrors.count), descriptors: UInt32(descriptors), bytes: bytes)
    sent.sessions += counts.sessions
    sent.mirrors += counts.mirrors
    sent.descriptors += counts.descriptors
    try link.send(.workerBegin(counts, freezeInstant: handover.freezeInstant), deadline: frozenDeadline)
    for outgoing in sessions + mirrors {
      let isBatch = outgoing.message.type != .bytes
      if isBatch {
        while outstanding.count >= Self.window { try awaitAcknowledgement("waiting for BatchAck") }
      }
      let sequence = try link.send(outgoing, deadline: frozenDeadline)
      if isBatch { outstanding.append(sequence) }
    }
    try link.send(.workerEnd(counts, recordsCRC: crc.value), deadline: frozenDeadline)
  }

  /// Reads one message while frozen: a `BatchAck`, or `Prepared` when `acceptingPrepared`.
  /// While batches are outstanding it must come within the progress bound.
  @discardableResult
  func awaitAcknowledgement(_ doing: String, acceptingPrepared: Bool = false) throws(UpgradeStop)
    -> UpgradePrepared?
  {
    let progress = MonotonicClock.now().addingClamped(timeouts.progress.nanoseconds)
    let deadline = outstanding.isEmpty ? frozenDeadline : min(frozenDeadline, progress)
    let (envelope, _) = try link.receive(deadline: deadline, ledger: nil, doing)
    switch envelope.message {
    case .batchAck(let sequence):
      outstanding.removeAll { $0 <= sequence }
      return nil
    case .prepared(let prepared) where acceptingPrepared:
      return prepared
    case .abort(let notice):
      throw UpgradeStop(peer: notice)
    case let other:
      throw UpgradeStop.unexpected(other, doing)
    }
  }

  func awaitPrepared() throws(UpgradeStop) {
    while true {
      guard let prepared = try awaitAcknowledgement("waiting for Prepared", acceptingPrepared: true) else { continue }
      sent.recordsCRC = recordsCRC.value
      guard prepared == sent else {
        throw UpgradeStop(.recordInvalid, "Prepared reports \(prepared), sent \(sent)")
      }
      return
    }
  }
}
