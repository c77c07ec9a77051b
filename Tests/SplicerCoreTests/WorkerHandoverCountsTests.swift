import SplicerCore
import SplicerSystem
import XCTest

/// `WorkerHandover.counts`, counted from the records before any batch is built, against what
/// the packer then builds: the sessions, mirrors, descriptors and `Bytes` bytes that travel,
/// and batch payloads that are the bytes the encoder makes for the same messages.
final class WorkerHandoverCountsTests: XCTestCase {
  private typealias F = UpgradeWireFixtures

  /// A relaying session with `pipes` pipes and `inline` copy-buffer bytes on each listed side.
  private static func session(
    id: UInt32, pipes: Int = 0, inline: [RelaySideRecord: Int] = [:]
  ) -> DescriptorBatcher.Item<SessionRecord> {
    var descriptors: [Int32] = [Int32(id) * 10, Int32(id) * 10 + 1]  // client, server
    func carrier(_ side: RelaySideRecord, pipe: Bool) -> DirectionRecord.Carrier {
      if pipe {
        let read = UInt16(descriptors.count)
        descriptors += [Int32(id) * 10 + Int32(read), Int32(id) * 10 + Int32(read) + 1]
        return .pipe(read: read, write: read + 1)
      }
      guard let count = inline[side], count > 0 else { return .none }
      return .buffer(inline: (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(id)) })
    }
    var relay = F.relay(
      toServer: carrier(.toServer, pipe: pipes > 0), toClient: carrier(.toClient, pipe: pipes > 1))
    relay.server = 1
    var record = F.session(.relaying(relay), id: id)
    record.client = 0
    return DescriptorBatcher.Item(record: record, descriptors: descriptors)
  }

  private static func mirror(id: UInt32) -> DescriptorBatcher.Item<MirrorRecord> {
    DescriptorBatcher.Item(record: F.mirror, descriptors: [Int32(id) * 3, Int32(id) * 3 + 1, Int32(id) * 3 + 2])
  }

  private struct Case {
    let label: String
    let sessions: [DescriptorBatcher.Item<SessionRecord>]
    var mirrors: [DescriptorBatcher.Item<MirrorRecord>] = []
    /// The `Bytes` bytes the worker announces.
    let bytes: UInt64
  }

  private let cases: [Case] = [
    Case(label: "no records", sessions: [], bytes: 0),
    Case(label: "pipes only", sessions: (0..<300).map { session(id: UInt32($0), pipes: $0 % 3) }, bytes: 0),
    Case(
      label: "buffers that travel inline",
      sessions: (0..<40).map { session(id: UInt32($0), inline: [.toClient: 4000, .toServer: 10]) }, bytes: 0),
    // One buffer exactly at the limit travels whole; a byte more and both sides spill.
    Case(
      label: "around the data limit",
      sessions: [
        session(id: 1, inline: [.toClient: wholeLimit]), session(id: 2, inline: [.toClient: wholeLimit + 1]),
        session(id: 3, inline: [.toClient: wholeLimit, .toServer: 1]),
      ], bytes: UInt64(wholeLimit + 1 + wholeLimit + 1)),
    Case(
      label: "spilled among small ones, with mirrors",
      sessions: [
        session(id: 1), session(id: 2, inline: [.toServer: 100 * 1024, .toClient: 7]), session(id: 3, pipes: 2),
        session(id: 4, inline: [.toClient: 150_000]),
      ], mirrors: (0..<100).map { mirror(id: UInt32($0)) }, bytes: UInt64(100 * 1024 + 7 + 150_000)),
  ]

  /// The inline bytes one buffer of `session(id:inline:)` can hold and still travel whole.
  private static var wholeLimit: Int {
    let empty = session(id: 1, inline: [.toClient: 1]).record
    return UpgradeWire.batchDataLimit - 2 - (empty.encodedLength - 1)
  }

  func testTheAnnouncedCountsAreWhatIsSent() {
    for testCase in cases {
      let handover = WorkerHandover(
        worker: 3, freezeInstant: 1, sessions: testCase.sessions, mirrors: testCase.mirrors)
      let counts = handover.counts
      let sent = DescriptorBatcher.batches(handover.sessions) + DescriptorBatcher.batches(handover.mirrors)
      var sessions = 0
      var mirrors = 0
      var bytes = 0
      for outgoing in sent {
        switch outgoing.message {
        case .sessionBatch(let records): sessions += records.count
        case .mirrorBatch(let records): mirrors += records.count
        case .bytes(let chunk): bytes += chunk.bytes.count
        default: XCTFail("\(testCase.label): \(outgoing.message.type)")
        }
      }
      XCTAssertEqual(counts.worker, 3, testCase.label)
      XCTAssertEqual(Int(counts.sessions), sessions, testCase.label)
      XCTAssertEqual(Int(counts.mirrors), mirrors, testCase.label)
      XCTAssertEqual(Int(counts.descriptors), sent.map(\.descriptors.count).reduce(0, +), testCase.label)
      XCTAssertEqual(Int(counts.bytes), bytes, testCase.label)
      XCTAssertEqual(counts.bytes, testCase.bytes, testCase.label)
    }
  }

  /// Each batch's payload is what the encoder makes of its message, and the checksum taken
  /// over the payloads is the one the receiver takes over the decoded records.
  func testBatchPayloadsAreTheEncodedMessages() {
    for testCase in cases {
      var fromPayloads = UpgradeCRC32()
      var fromPayloadsToo = UpgradeCRC32()
      var fromRecords = UpgradeCRC32()
      var fromRecordsToo = UpgradeCRC32()
      var sessions = DescriptorPacker(testCase.sessions)
      while let batch = sessions.next() {
        XCTAssertEqual(batch.payload, F.payload(batch.message), testCase.label)
        UpgradeCRC32.add(batch.encodedRecords, to: &fromPayloads, and: &fromPayloadsToo)
        UpgradeCRC32.add(records: batch.records, to: &fromRecords, and: &fromRecordsToo)
      }
      var mirrors = DescriptorPacker(testCase.mirrors)
      while let batch = mirrors.next() {
        XCTAssertEqual(batch.payload, F.payload(batch.message), testCase.label)
        UpgradeCRC32.add(batch.encodedRecords, to: &fromPayloads, and: &fromPayloadsToo)
        UpgradeCRC32.add(records: batch.records, to: &fromRecords, and: &fromRecordsToo)
      }
      XCTAssertEqual(fromPayloads.value, fromRecords.value, testCase.label)
      XCTAssertEqual(fromPayloadsToo.value, fromRecordsToo.value, testCase.label)
    }
  }
}
