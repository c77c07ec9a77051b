import SplicerSystem
import XCTest

@testable import SplicerCore

/// One batch of records as the new process receives it: the records (copy-buffer bytes that
/// travelled as `Bytes` put back) and the descriptors their references index.
struct ReceivedBatch<Record> {
  var records: [Record]
  var descriptors: [Int32]
}

/// What arrived of one worker's handover.
struct ReceivedHandover {
  var sessions: [ReceivedBatch<SessionRecord>] = []
  var mirrors: [ReceivedBatch<MirrorRecord>] = []
  var freezeInstant: UInt64 = 0
}

/// A live upgrade's hand-over between two driven workers of one process, as the two processes
/// will do it: the old worker freezes and builds its handover, the records are encoded with
/// the real codec and travel with their descriptors over a real `DescriptorChannel`, and the
/// new worker stages and commits them.
extension DrivenWorkerTestCase {
  /// Freezes `old` and sends its sessions through a socketpair; returns what arrived (the
  /// test owns the received descriptors until a new worker adopts them) and the freeze instant.
  func sendHandover(
    of old: DrivenWorker, file: StaticString = #filePath, line: UInt = #line
  ) throws -> ReceivedHandover {
    let freeze = UpgradeFreeze(collectsHandovers: true)
    old.worker.post(.freeze(freeze))
    old.turn(until: { freeze.frozenWorkers == 1 }, "the old worker frozen", file: file, line: line)
    let handover = try XCTUnwrap(freeze.collectedHandovers.first, file: file, line: line)
    let (sender, receiver) = try DescriptorChannel.makePair()
    defer {
      sender.close()
      receiver.close()
    }
    var received = ReceivedHandover(freezeInstant: handover.freezeInstant)
    let outgoing = DescriptorBatcher.batches(handover.sessions) + DescriptorBatcher.batches(handover.mirrors)
    for (sequence, outgoing) in outgoing.enumerated() {
      let datagram = UpgradeWire.encode(
        outgoing.message, sequence: UInt32(sequence), descriptorCount: outgoing.descriptors.count)
      let deadline = MonotonicClock.now() &+ 5_000_000_000
      try sender.send(datagram, descriptors: outgoing.descriptors, deadline: deadline)
      let message = try receiver.receive(deadline: deadline)
      for fd in message.descriptors { _ = track(fd) }
      let envelope = try UpgradeWire.decode(message.data, descriptorCount: message.descriptors.count)
      switch envelope.message {
      case .sessionBatch(let records):
        received.sessions.append(ReceivedBatch(records: records, descriptors: message.descriptors))
      case .mirrorBatch(let records):
        received.mirrors.append(ReceivedBatch(records: records, descriptors: message.descriptors))
      case .bytes(let chunk):
        let last = received.sessions.count - 1
        let index = try XCTUnwrap(received.sessions[last].records.firstIndex { $0.id == chunk.session })
        guard case .relaying(var relay) = received.sessions[last].records[index].phase,
          case .buffer(let inline) = relay[chunk.side].carrier
        else { throw XCTSkip("bytes for a session without a buffer") }
        relay[chunk.side].carrier = .buffer(inline: inline + chunk.bytes)
        received.sessions[last].records[index].phase = .relaying(relay)
      default:
        XCTFail("unexpected \(envelope.message.type)", file: file, line: line)
      }
    }
    return received
  }

  /// Moves `new`'s clock to `frozenFor` after the old worker's freeze instant and stages every
  /// batch; throws what the stage throws.
  func stage(_ received: ReceivedHandover, into new: DrivenWorker, frozenFor: Duration = .zero) throws {
    let instant = received.freezeInstant
    precondition(new.clock.now <= instant, "the new worker's clock is ahead of the freeze")
    new.clock.advance(nanoseconds: instant - new.clock.now + frozenFor.nanoseconds)
    for batch in received.sessions {
      try new.worker.stageAdoption(batch.records, descriptors: batch.descriptors, freezeInstant: instant)
    }
    for batch in received.mirrors {
      try new.worker.stageMirrors(batch.records, descriptors: batch.descriptors, freezeInstant: instant)
    }
    try new.worker.checkAdoptedMirrors()
  }

  /// The whole hand-over: send, stage, the old worker relinquishes its copies, the new one
  /// commits (`commitAdoption`, the main thread's part) and registers what it adopted
  /// (`registerCommittedAdoption`, which its thread would run before its first turn).
  func handOver(
    from old: DrivenWorker, to new: DrivenWorker, frozenFor: Duration = .zero, file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    try stageHandOver(from: old, to: new, frozenFor: frozenFor, file: file, line: line)
    new.worker.commitAdoption()
    new.worker.registerCommittedAdoption()
  }

  /// The hand-over up to the commit: send, stage, and the old worker relinquishes its copies,
  /// as it does once the new process has written `Committed`. The adopted descriptors are the
  /// new worker's from then on; the test commits.
  func stageHandOver(
    from old: DrivenWorker, to new: DrivenWorker, frozenFor: Duration = .zero, file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    let received = try sendHandover(of: old, file: file, line: line)
    try stage(received, into: new, frozenFor: frozenFor)
    for fd in received.sessions.flatMap(\.descriptors) + received.mirrors.flatMap(\.descriptors) { untrack(fd) }
    old.worker.relinquishAll()
  }
}
