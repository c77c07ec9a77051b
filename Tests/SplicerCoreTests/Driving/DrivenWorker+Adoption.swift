import SplicerSystem
import XCTest

@testable import SplicerCore

/// One batch of session records as the new process receives it: the records (copy-buffer
/// bytes that travelled as `Bytes` put back) and the descriptors their references index.
struct ReceivedSessionBatch {
  var records: [SessionRecord]
  var descriptors: [Int32]
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
  ) throws -> (batches: [ReceivedSessionBatch], freezeInstant: UInt64) {
    let freeze = UpgradeFreeze(collectsHandovers: true)
    old.worker.post(.freeze(freeze))
    old.turn(until: { freeze.frozenWorkers == 1 }, "the old worker frozen", file: file, line: line)
    let handover = try XCTUnwrap(freeze.collectedHandovers.first, file: file, line: line)
    XCTAssertTrue(handover.mirrors.isEmpty, file: file, line: line)
    let (sender, receiver) = try DescriptorChannel.makePair()
    defer {
      sender.close()
      receiver.close()
    }
    var batches: [ReceivedSessionBatch] = []
    for (sequence, outgoing) in DescriptorBatcher.batches(handover.sessions).enumerated() {
      let datagram = UpgradeWire.encode(
        outgoing.message, sequence: UInt32(sequence), descriptorCount: outgoing.descriptors.count)
      let deadline = MonotonicClock.now() &+ 5_000_000_000
      try sender.send(datagram, descriptors: outgoing.descriptors, deadline: deadline)
      let message = try receiver.receive(deadline: deadline)
      for fd in message.descriptors { _ = track(fd) }
      let envelope = try UpgradeWire.decode(message.data, descriptorCount: message.descriptors.count)
      switch envelope.message {
      case .sessionBatch(let records):
        batches.append(ReceivedSessionBatch(records: records, descriptors: message.descriptors))
      case .bytes(let chunk):
        let last = batches.count - 1
        let index = try XCTUnwrap(batches[last].records.firstIndex { $0.id == chunk.session })
        guard case .relaying(var relay) = batches[last].records[index].phase,
          case .buffer(let inline) = relay[chunk.side].carrier
        else { throw XCTSkip("bytes for a session without a buffer") }
        relay[chunk.side].carrier = .buffer(inline: inline + chunk.bytes)
        batches[last].records[index].phase = .relaying(relay)
      default:
        XCTFail("unexpected \(envelope.message.type)", file: file, line: line)
      }
    }
    return (batches, handover.freezeInstant)
  }

  /// Moves `new`'s clock to `frozenFor` after the old worker's freeze instant and stages every
  /// batch; throws what the stage throws.
  func stage(
    _ batches: [ReceivedSessionBatch], freezeInstant: UInt64, into new: DrivenWorker, frozenFor: Duration = .zero
  ) throws {
    precondition(new.clock.now <= freezeInstant, "the new worker's clock is ahead of the freeze")
    new.clock.advance(nanoseconds: freezeInstant - new.clock.now + frozenFor.nanoseconds)
    for batch in batches {
      try new.worker.stageAdoption(batch.records, descriptors: batch.descriptors, freezeInstant: freezeInstant)
    }
  }

  /// The whole hand-over: send, stage, the old worker relinquishes its copies, the new one
  /// commits. The adopted descriptors are the new worker's from then on.
  func handOver(
    from old: DrivenWorker, to new: DrivenWorker, frozenFor: Duration = .zero, file: StaticString = #filePath,
    line: UInt = #line
  ) throws {
    let (batches, instant) = try sendHandover(of: old, file: file, line: line)
    try stage(batches, freezeInstant: instant, into: new, frozenFor: frozenFor)
    for batch in batches { for fd in batch.descriptors { untrack(fd) } }
    old.worker.relinquishAll()
    new.worker.commitAdoption()
  }
}
