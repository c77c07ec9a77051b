import SplicerRouting
import SplicerSystem

/// A frozen session as it travels to the new process in a live upgrade (design §4.4): its
/// `SessionRecord` and the descriptors the record's references index. The session keeps
/// owning every descriptor: the list only borrows them for the channel.
extension Session {
  /// Builds the record at the worker's safe point, after `freeze`.
  /// - Parameters:
  ///   - id: unique among this worker's records.
  ///   - freezeInstant: the worker's clock at the safe point; ages and remaining times count
  ///     from it.
  ///   - deadline: the timer's absolute deadline the freeze kept, nil when none was armed.
  ///   - queuePosition: the session's place in this worker's queue for its pool (queued only).
  ///   - mirrorID: the id the worker gave the relay's mirror, if any.
  func record(
    id: UInt32, freezeInstant: UInt64, deadline: UInt64?, pumpOnce: Bool, queuePosition: Int?, mirrorID: UInt32?
  ) -> DescriptorBatcher.Item<SessionRecord> {
    func age(_ instant: UInt64?) -> UInt64? { instant.map { freezeInstant >= $0 ? freezeInstant - $0 : 0 } }
    var flags: SessionRecord.Flags = []
    if urgentFromClient { flags.insert(.urgentFromClient) }
    if urgentFromServer { flags.insert(.urgentFromServer) }
    if pumpOnce { flags.insert(.pumpOnce) }
    var descriptors = [client]
    let recordPhase: SessionRecord.Phase
    switch phase {
    case .readingProxyHeader:
      recordPhase = .readingProxyHeader
    case .inspecting(let raised):
      recordPhase = .inspecting(lowWatermarkRaised: raised)
    case .queued(let plan):
      let lastTried = plan.lastTried.flatMap { index in pool.map { Self.key(of: $0.servers[index], in: $0) } }
      recordPhase = .queued(
        plan: Self.record(of: plan), lastTried: lastTried, queuePosition: UInt32(queuePosition ?? 0))
    case .connecting(let plan, let attempt):
      descriptors.append(attempt.server)
      recordPhase = .connecting(plan: Self.record(of: plan), server: 1, backend: reference(to: attempt.backend))
    case .waitingForDescriptors(let plan, let since):
      recordPhase = .waitingForDescriptors(plan: Self.record(of: plan), sinceAge: age(since))
    case .relaying(let relay):
      recordPhase = .relaying(record(of: relay, age: age, mirrorID: mirrorID, descriptors: &descriptors))
    case .forwardingAfterReset(let relay, let reason, let remaining):
      let relayRecord = record(of: relay, age: age, mirrorID: mirrorID, descriptors: &descriptors)
      recordPhase = .forwardingAfterReset(
        relayRecord, reason: reason.description, side: remaining == .toServer ? .toServer : .toClient)
    case .answering(let answer):
      descriptors.append(answer.file.fd)
      recordPhase = .answering(pool: pool?.name ?? "", file: 1, offset: UInt64(answer.offset), sent: answer.sent)
    case .choosingServer, .closed:
      preconditionFailure("a session at a safe point is never \(phase)")
    }
    let record = SessionRecord(
      id: id, worker: UInt16(worker.index), flags: flags, client: 0, peerAddress: peerAddress,
      clientAddress: clientAddress, destinationAddress: destinationAddress,
      generation: UInt32(listener.generation?.number ?? 0), listenerName: listener.name,
      counterRow: UInt32(listener.counterRow), pool: pool?.name ?? "", serverName: serverName,
      acceptedAge: age(timeline.acceptedAt), queuedAge: age(timeline.queuedAt),
      connectStartedAge: age(timeline.connectStartedAt), connectedAge: age(timeline.connectedAt),
      timerRemaining: deadline.map { $0 > freezeInstant ? $0 - freezeInstant : 0 }, phase: recordPhase)
    return DescriptorBatcher.Item(record: record, descriptors: descriptors)
  }

  private func record(
    of relay: Relay, age: (UInt64?) -> UInt64?, mirrorID: UInt32?, descriptors: inout [Int32]
  ) -> RelayRecord {
    descriptors.append(relay.server)
    func direction(_ direction: RelayDirection) -> DirectionRecord {
      let base = UInt16(descriptors.count)
      if let pipe = direction.pendingPipe { descriptors += [pipe.readEnd, pipe.writeEnd] }
      return direction.record(pipeReferences: (base, base + 1))
    }
    let toServer = direction(relay.toServer)
    let toClient = direction(relay.toClient)
    return RelayRecord(
      server: 1, backend: reference(to: relay.backend), lastActivityAge: age(relay.lastActivity),
      pacedDownload: relay.paced.download, pacedUpload: relay.paced.upload, mirror: mirrorID, toServer: toServer,
      toClient: toClient)
  }

  private func reference(to backend: Backend) -> BackendReference {
    BackendReference(id: UInt32(backend.id), key: ServerKeyRecord(pool: pool?.name ?? "", address: backend.name))
  }

  static func key(of backend: Backend, in pool: BackendPool) -> ServerKeyRecord {
    ServerKeyRecord(pool: pool.name, address: backend.name)
  }

  static func record(of plan: ConnectPlan) -> ConnectPlanRecord {
    ConnectPlanRecord(
      attemptsLeft: UInt32(plan.attemptsLeft), lastTried: plan.lastTried.map { Int32($0) },
      repeatPending: plan.isRepeatPending)
  }
}
