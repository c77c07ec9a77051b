/// `SessionRecord` and its phase on the wire, in the order of the design's tables (§4.4).
extension UpgradeWireWriter {
  public mutating func write(_ record: SessionRecord) {
    write(record.id)
    write(record.worker)
    write(record.phase.tag)
    write(record.flags.rawValue)
    writeDescriptor(record.client)
    writeAddress(record.peerAddress)
    writeAddress(record.clientAddress)
    writeAddress(record.destinationAddress)
    write(record.generation)
    write(record.listenerName)
    write(record.counterRow)
    write(record.pool)
    writeOptional(record.serverName)
    writeNanoseconds(record.acceptedAge)
    writeNanoseconds(record.queuedAge)
    writeNanoseconds(record.connectStartedAge)
    writeNanoseconds(record.connectedAge)
    writeNanoseconds(record.timerRemaining)
    writePhase(record.phase)
  }

  private mutating func writePhase(_ phase: SessionRecord.Phase) {
    switch phase {
    case .readingProxyHeader:
      break
    case .inspecting(let lowWatermarkRaised):
      write(lowWatermarkRaised)
    case .queued(let plan, let lastTried, let queuePosition):
      write(plan)
      write(lastTried != nil)
      if let lastTried { write(lastTried) }
      write(queuePosition)
    case .connecting(let plan, let server, let backend):
      write(plan)
      writeDescriptor(server)
      write(backend)
    case .waitingForDescriptors(let plan, let sinceAge):
      write(plan)
      writeNanoseconds(sinceAge)
    case .relaying(let relay):
      write(relay)
    case .forwardingAfterReset(let relay, let reason, let side):
      write(relay)
      write(reason)
      write(side.rawValue)
    case .answering(let pool, let file, let offset, let sent):
      write(pool)
      writeDescriptor(file)
      write(offset)
      write(sent)
    }
  }

  mutating func write(_ plan: ConnectPlanRecord) {
    write(plan.attemptsLeft)
    write(plan.lastTried ?? -1)
    write(plan.repeatPending)
  }

  mutating func write(_ key: ServerKeyRecord) {
    write(key.pool)
    write(key.address)
  }

  mutating func write(_ backend: BackendReference) {
    write(backend.id)
    write(backend.key)
  }
}
