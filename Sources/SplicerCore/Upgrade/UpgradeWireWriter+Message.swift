/// Message payloads: the small messages here, the records in their own files.
extension UpgradeWireWriter {
  public mutating func write(_ message: UpgradeMessage) {
    switch message {
    case .hello(let hello):
      write(hello.oldestVersion)
      write(hello.newestVersion)
      write(hello.binaryVersion)
      write(hello.bootID)
      write(hello.uid)
      write(hello.pid)
      writeCount(hello.configDigest.count)
      append(hello.configDigest)
    case .welcome(let welcome):
      write(welcome.chosenVersion)
      write(welcome.oldBinaryVersion)
      write(welcome.oldPID)
      write(welcome.freezeTimeout)
    case .refuse(let notice), .abort(let notice):
      write(notice.reason.rawValue)
      write(notice.text)
    case .runningConfig(let chunk):
      write(chunk)
    case .listeners(let records):
      writeCount(records.count)
      for record in records { write(record) }
    case .readyForState, .commit:
      break
    case .workerBegin(let counts, let freezeInstant):
      write(counts)
      write(freezeInstant)
    case .sessionBatch(let records):
      writeCount(records.count)
      for record in records { write(record) }
    case .bytes(let chunk):
      write(chunk.session)
      write(chunk.side.rawValue)
      write(chunk.offset)
      writeBlob(chunk.bytes)
    case .mirrorBatch(let records):
      writeCount(records.count)
      for record in records { write(record) }
    case .workerEnd(let counts, let crc):
      write(counts)
      write(crc)
    case .counters(let snapshot):
      write(snapshot)
    case .health(let snapshot):
      write(snapshot)
    case .histograms(let series):
      writeCount(series.count)
      for histogram in series { write(histogram) }
    case .batchAck(let sequence):
      write(sequence)
    case .prepared(let prepared):
      write(prepared.sessions)
      write(prepared.mirrors)
      write(prepared.listeners)
      write(prepared.descriptors)
      write(prepared.recordsCRC)
    case .committed(let pid):
      write(pid)
    case .released(let pendingReload):
      write(pendingReload)
    }
  }

  mutating func write(_ counts: UpgradeWorkerCounts) {
    write(counts.worker)
    write(counts.sessions)
    write(counts.mirrors)
    write(counts.descriptors)
    write(counts.bytes)
  }
}
