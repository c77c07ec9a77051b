import SplicerSystem

/// The frozen workers' records: batches handed to the recipient as they complete (a session
/// batch once its `Bytes` have followed), each acknowledged, each worker checked against its
/// `WorkerEnd`.
extension UpgradeReceiver {
  /// A session batch waiting for the `Bytes` that follow it.
  private struct PendingBatch {
    var records: [SessionRecord]
    var descriptors: [Int32]
    var sequence: UInt32
    var chunks: [UpgradeBytesChunk] = []
  }

  /// One worker between its `WorkerBegin` and `WorkerEnd`.
  private struct WorkerProgress {
    var announced: UpgradeWorkerCounts
    var freezeInstant: UInt64
    var received: UpgradeWorkerCounts
    var crc = UpgradeCRC32()
  }

  /// Receives every worker; returns the message that follows the last (`Counters`, or
  /// `Histograms` or `Health` when there are no counter chunks).
  func receiveWorkers(into recipient: UpgradeRecipient) throws(UpgradeStop) -> UpgradeMessage {
    var worker: WorkerProgress?
    var pending: PendingBatch?
    let doing = "receiving worker records"

    func flush() throws(UpgradeStop) {
      guard let batch = pending, var current = worker else { return }
      pending = nil
      var chunks: [UInt32: [UpgradeBytesChunk]] = [:]
      for chunk in batch.chunks { chunks[chunk.session, default: []].append(chunk) }
      var records: [SessionRecord] = []
      for record in batch.records {
        do {
          records.append(try record.refillingBuffers(chunks.removeValue(forKey: record.id) ?? []))
        } catch {
          throw UpgradeStop(.recordInvalid, "\(error)")
        }
      }
      guard chunks.isEmpty else { throw UpgradeStop(.recordInvalid, "Bytes for sessions not in their batch") }
      let stagingStart = MonotonicClock.now()
      try adopting { () throws in
        try recipient.adoptSessions(
          records, descriptors: batch.descriptors, worker: Int(current.announced.worker),
          freezeInstant: current.freezeInstant)
      }
      timings.staging &+= MonotonicClock.now() &- stagingStart
      UpgradeCRC32.add(records: batch.records, to: &current.crc, and: &recordsCRC)
      current.received.sessions += UInt32(batch.records.count)
      current.received.descriptors += UInt32(batch.descriptors.count)
      worker = current
      try acknowledge(batch.sequence)
    }

    while true {
      let (envelope, descriptors) = try link.receive(deadline: deadline, ledger: ledger, doing)
      let message = envelope.message
      switch message {
      case .workerBegin(let counts, let freezeInstant) where worker == nil:
        let empty = UpgradeWorkerCounts(worker: counts.worker, sessions: 0, mirrors: 0, descriptors: 0, bytes: 0)
        worker = WorkerProgress(announced: counts, freezeInstant: freezeInstant, received: empty)
      case .sessionBatch(let records) where worker != nil:
        try flush()
        pending = PendingBatch(records: records, descriptors: descriptors, sequence: envelope.header.sequence)
      case .bytes(let chunk) where pending != nil:
        pending?.chunks.append(chunk)
        worker?.received.bytes += UInt64(chunk.bytes.count)
      case .mirrorBatch(let records) where worker != nil:
        try flush()
        guard var current = worker else { continue }
        let stagingStart = MonotonicClock.now()
        try adopting { () throws in
          try recipient.adoptMirrors(
            records, descriptors: descriptors, worker: Int(current.announced.worker),
            freezeInstant: current.freezeInstant)
        }
        timings.staging &+= MonotonicClock.now() &- stagingStart
        UpgradeCRC32.add(records: records, to: &current.crc, and: &recordsCRC)
        current.received.mirrors += UInt32(records.count)
        current.received.descriptors += UInt32(descriptors.count)
        worker = current
        try acknowledge(envelope.header.sequence)
      case .workerEnd(let counts, let crc) where worker != nil:
        try flush()
        guard let current = worker else { continue }
        guard counts == current.announced, current.received == counts, crc == current.crc.value else {
          throw UpgradeStop(
            .recordInvalid,
            "worker \(counts.worker) announced \(current.announced), ended with \(counts), sent \(current.received)")
        }
        worker = nil
      case .counters(let counters) where worker == nil:
        return .counters(counters)
      case .histograms(let batch) where worker == nil:
        return .histograms(batch)
      case .health(let health) where worker == nil:
        return .health(health)
      default:
        throw stop(message, doing)
      }
    }
  }

  private func acknowledge(_ sequence: UInt32) throws(UpgradeStop) {
    batchesAdopted += 1
    try check(.batch(batchesAdopted))
    try link.send(.batchAck(sequence: sequence), deadline: deadline)
  }
}
