import SplicerSystem

/// Sending the frozen workers' records, with flow control (design §5.1), and checking
/// `Prepared` against what was sent.
extension UpgradeCoordinator {
  /// Announces the worker's counts, then sends each batch as soon as it is built, so that the
  /// new process stages one batch while the next is encoded; the checksums grow from the
  /// batches' encoded records as they go.
  func send(_ handover: WorkerHandover) throws(UpgradeStop) {
    let counts = handover.counts
    sent.sessions += counts.sessions
    sent.mirrors += counts.mirrors
    sent.descriptors += counts.descriptors
    try link.send(.workerBegin(counts, freezeInstant: handover.freezeInstant), deadline: frozenDeadline)
    var crc = UpgradeCRC32()
    var sessions = DescriptorPacker(handover.sessions)
    while let batch = sessions.next() { try send(batch, crc: &crc) }
    var mirrors = DescriptorPacker(handover.mirrors)
    while let batch = mirrors.next() { try send(batch, crc: &crc) }
    try link.send(.workerEnd(counts, recordsCRC: crc.value), deadline: frozenDeadline)
  }

  /// One batch within the window, then its `Bytes`.
  private func send<Record>(_ batch: DescriptorBatch<Record>, crc: inout UpgradeCRC32) throws(UpgradeStop) {
    while outstanding.count >= Self.window { try awaitAcknowledgement("waiting for BatchAck") }
    let sequence = try link.send(
      batch.message.type, payload: batch.payload, descriptors: batch.descriptors, deadline: frozenDeadline)
    outstanding.append(sequence)
    for chunk in batch.chunks { try link.send(.bytes(chunk), deadline: frozenDeadline) }
    // After the sends: the new process is staging the batch meanwhile.
    UpgradeCRC32.add(batch.encodedRecords, to: &crc, and: &recordsCRC)
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
