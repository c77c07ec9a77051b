/// What a frozen worker hands over in a live upgrade (design §4.4, §6.2 step 5): every
/// session and mirror as a record with its descriptors, times relative to the freeze instant.
/// Built on the worker's thread at its safe point, right after the freeze, and handed to the
/// poster through `UpgradeFreeze`. The worker keeps owning every descriptor listed.
extension Worker {
  /// The handover of the current freeze; nil when the worker is not frozen.
  func snapshot() -> WorkerHandover? {
    guard let frozen = freezing.frozen else { return nil }
    let instant = frozen.at
    func remaining(_ deadline: UInt64?) -> UInt64? { deadline.map { $0 > instant ? $0 - instant : 0 } }
    var mirrorIDs: [ObjectIdentifier: UInt32] = [:]
    for (offset, entry) in frozen.mirrors.enumerated() { mirrorIDs[ObjectIdentifier(entry.mirror)] = UInt32(offset) }
    var owners: [ObjectIdentifier: UInt32] = [:]
    var sessions: [DescriptorBatcher.Item<SessionRecord>] = []
    sessions.reserveCapacity(frozen.sessions.count)
    for (offset, entry) in frozen.sessions.enumerated() where !entry.session.phase.isClosed {
      let session = entry.session
      let id = UInt32(offset)
      var mirrorID: UInt32?
      if let mirror = session.phase.relay?.mirror {
        mirrorID = mirrorIDs[ObjectIdentifier(mirror)]
        owners[ObjectIdentifier(mirror)] = id
      }
      var position: Int?
      if case .queued = session.phase, let pool = session.pool {
        position = queues[ObjectIdentifier(pool)]?.firstIndex { $0 === session }
      }
      sessions.append(
        session.record(
          id: id, freezeInstant: instant, deadline: entry.deadline, pumpOnce: entry.pumpOnce,
          queuePosition: position, mirrorID: mirrorID))
    }
    let mirrors = frozen.mirrors.enumerated().compactMap { offset, entry -> DescriptorBatcher.Item<MirrorRecord>? in
      guard entry.mirror.state != .closed else { return nil }
      return entry.mirror.record(
        id: UInt32(offset), owner: owners[ObjectIdentifier(entry.mirror)], timerRemaining: remaining(entry.deadline))
    }
    return WorkerHandover(worker: index, freezeInstant: instant, sessions: sessions, mirrors: mirrors)
  }
}
