import SplicerCore
import SplicerSystem
import XCTest

/// `DescriptorBatcher`: within the limits, in order, no record split, references rewritten to
/// the right descriptors, spilled copy-buffer bytes right after their batch.
final class DescriptorBatcherTests: XCTestCase {
  private typealias F = UpgradeWireFixtures
  private typealias Item = DescriptorBatcher.Item<SessionRecord>

  /// A session holding `pipes` pipes (0, 1 or 2 directions) and `inline` buffer bytes; its
  /// descriptors are distinct numbers starting at `firstDescriptor`.
  private static func item(id: UInt32, pipes: Int = 0, inline: Int = 0, firstDescriptor: Int32) -> Item {
    var descriptors: [Int32] = [firstDescriptor, firstDescriptor + 1]  // client, server
    func pipe() -> DirectionRecord.Carrier {
      let read = UInt16(descriptors.count)
      descriptors += [firstDescriptor + Int32(read), firstDescriptor + Int32(read) + 1]
      return .pipe(read: read, write: read + 1)
    }
    let toServer: DirectionRecord.Carrier = pipes > 0 ? pipe() : .none
    let toClient: DirectionRecord.Carrier =
      pipes > 1
      ? pipe() : inline > 0 ? .buffer(inline: (0..<inline).map { UInt8(truncatingIfNeeded: $0 &* 31) }) : .none
    var relay = F.relay(toServer: toServer, toClient: toClient)
    relay.server = 1
    if inline > 0, pipes < 2 { relay.toClient.pending = UInt32(inline) + 5 }
    var record = F.session(.relaying(relay), id: id)
    record.client = 0
    return Item(record: record, descriptors: descriptors)
  }

  private struct Case {
    let label: String
    let items: [Item]
    var descriptorLimit = UpgradeWire.maximumDescriptors
    var dataLimit = UpgradeWire.batchDataLimit
    let messages: Int
  }

  private static func many(_ count: Int, pipes: Int = 0, inline: Int = 0) -> [Item] {
    (0..<count).map { item(id: UInt32($0), pipes: pipes, inline: inline, firstDescriptor: 1000 + Int32($0) * 10) }
  }

  private let cases: [Case] = [
    Case(label: "empty input", items: [], messages: 0),
    Case(label: "one session", items: many(1), messages: 1),
    // 42 sessions of 6 descriptors are 252; the 43rd starts a second message.
    Case(label: "descriptor limit", items: many(43, pipes: 2), messages: 2),
    Case(label: "exactly 253 descriptors", items: many(1, pipes: 2) + many(247), descriptorLimit: 253, messages: 2),
    Case(label: "a small descriptor limit", items: many(10, pipes: 1), descriptorLimit: 8, messages: 5),
    Case(label: "two descriptors each", items: many(300), messages: 3),
    // About 4 KiB each: 14 to a message.
    Case(label: "data limit", items: many(40, inline: 4000), messages: 3),
    // A buffer that fits a message of its own starts the next message rather than spill.
    Case(label: "whole buffers start a message", items: many(2, inline: 50_000), messages: 2),
    // 100 KiB of buffer fits no message: the record goes without, its bytes in two Bytes chunks.
    Case(label: "a buffer larger than a message", items: many(1, inline: 100 * 1024), messages: 1 + 2),
    Case(
      label: "spilled between small ones",
      items: [
        item(id: 1, firstDescriptor: 10), item(id: 2, inline: 100 * 1024, firstDescriptor: 20),
        item(id: 3, pipes: 2, firstDescriptor: 30),
      ], messages: 1 + 2),
    // Lean records of about 200 bytes, two to a message, each with two chunks of at most 587.
    Case(label: "a tight data limit", items: many(5, inline: 1000), dataLimit: 600, messages: 3 + 10),
    Case(label: "a seeded mix", items: mix(500), messages: 236),
  ]

  /// Sessions with 2, 4 or 6 descriptors and buffers from none to larger than a message.
  private static func mix(_ count: Int) -> [Item] {
    var random = Xorshift(seed: 42)
    return (0..<count).map {
      let inline = [0, 0, 10, 3000, 70_000][random.next(below: 5)]
      let pipes = inline > 0 ? random.next(below: 2) : random.next(below: 3)
      return item(id: UInt32($0), pipes: pipes, inline: inline, firstDescriptor: 10_000 + Int32($0) * 10)
    }
  }

  func testBatches() throws {
    for testCase in cases {
      let outgoing = DescriptorBatcher.batches(
        testCase.items, descriptorLimit: testCase.descriptorLimit, dataLimit: testCase.dataLimit)
      XCTAssertEqual(outgoing.count, testCase.messages, testCase.label)
      try check(outgoing, against: testCase, label: testCase.label)
    }
  }

  private func check(_ outgoing: [UpgradeOutgoing], against testCase: Case, label: String) throws {
    var remaining = testCase.items[...]
    var spilledSince: [UInt32: [RelaySideRecord: [UInt8]]] = [:]
    var expectBytes: [UInt32: [RelaySideRecord: [UInt8]]] = [:]
    for message in outgoing {
      XCTAssertLessThanOrEqual(message.descriptors.count, testCase.descriptorLimit, label)
      let payload = UpgradeWireFixtures.payload(message.message)
      XCTAssertLessThanOrEqual(payload.count, testCase.dataLimit, label)
      // What the receiver sees: the message decodes with exactly its descriptors.
      let datagram = UpgradeWire.encode(message.message, sequence: 0, descriptorCount: message.descriptors.count)
      let decoded = try UpgradeWire.decode(datagram, descriptorCount: message.descriptors.count).message
      XCTAssertEqual(decoded, message.message, label)
      switch message.message {
      case .sessionBatch(let records):
        XCTAssertEqual(expectBytes.values.flatMap(\.values).filter { !$0.isEmpty }.count, 0, "\(label): Bytes missing")
        expectBytes = [:]
        XCTAssertFalse(records.isEmpty, label)
        for record in records {
          let item = try XCTUnwrap(remaining.popFirst(), label)
          XCTAssertEqual(record.id, item.record.id, "\(label): order")
          // Every reference of the record points at the descriptor its own list had there.
          let sent = record.descriptorReferences.map { message.descriptors[Int($0)] }
          let own = item.record.descriptorReferences.map { item.descriptors[Int($0)] }
          XCTAssertEqual(sent, own, "\(label): descriptors of session \(record.id)")
          for side in RelaySideRecord.allCases {
            guard case .relaying(let relay) = record.phase, case .relaying(let original) = item.record.phase,
              case .buffer(let inline) = relay[side].carrier, case .buffer(let full) = original[side].carrier
            else { continue }
            XCTAssertEqual(relay[side].pending, original[side].pending, label)
            if inline != full {
              XCTAssertEqual(inline, [], "\(label): a buffer is inline whole or not at all")
              expectBytes[record.id, default: [:]][side] = full
              spilledSince[record.id, default: [:]][side] = []
            }
          }
        }
      case .bytes(let chunk):
        // Chunks follow their batch, in order, each at the offset reached so far.
        let expected = try XCTUnwrap(expectBytes[chunk.session]?[chunk.side], "\(label): stray Bytes")
        let got = spilledSince[chunk.session]?[chunk.side] ?? []
        XCTAssertEqual(Int(chunk.offset), got.count, label)
        let joined = got + chunk.bytes
        XCTAssertEqual(Array(expected.prefix(joined.count)), joined, label)
        spilledSince[chunk.session]?[chunk.side] = joined
        if joined.count == expected.count { expectBytes[chunk.session]?[chunk.side] = [] }
      default:
        XCTFail("\(label): unexpected \(message.message.type)")
      }
    }
    XCTAssertTrue(remaining.isEmpty, "\(label): records left out")
    XCTAssertEqual(expectBytes.values.flatMap(\.values).filter { !$0.isEmpty }.count, 0, "\(label): Bytes missing")
  }

  func testMirrorsAndListenersBatchToo() throws {
    let mirrors = (0..<100).map {
      DescriptorBatcher.Item(
        record: MirrorRecord(
          id: UInt32($0), owner: nil, socket: 2, pipeRead: 0, pipeWrite: 1, listenerRow: 0, lingerBound: 0),
        descriptors: [Int32($0) * 3, Int32($0) * 3 + 1, Int32($0) * 3 + 2])
    }
    let mirrorBatches = DescriptorBatcher.batches(mirrors)
    XCTAssertEqual(mirrorBatches.map(\.descriptors.count), [252, 48])
    // Mirrors without pipes hold one descriptor each: 253 to a message, and as many records.
    let lone = (0..<300).map {
      DescriptorBatcher.Item(
        record: MirrorRecord(
          id: UInt32($0), owner: nil, socket: 0, pipeRead: nil, pipeWrite: nil, listenerRow: 0, lingerBound: 0),
        descriptors: [Int32($0)])
    }
    XCTAssertEqual(DescriptorBatcher.batches(lone).map(\.descriptors.count), [253, 47])
    guard case .mirrorBatch(let first) = mirrorBatches[0].message else { return XCTFail("not a mirror batch") }
    XCTAssertEqual(first[1].socket, 5)
    XCTAssertEqual(mirrorBatches[0].descriptors[5], 5)

    let listener = DescriptorBatcher.Item(record: F.listener, descriptors: [40, 41, 42])
    let admin = DescriptorBatcher.Item(
      record: ListenerRecord(
        name: "admin", generation: 1, bind: "127.0.0.1:0", backlog: 1, boundAddress: F.ipv4, sockets: [0]),
      descriptors: [50])
    let listenerBatches = DescriptorBatcher.batches([listener, admin])
    XCTAssertEqual(listenerBatches.count, 1)
    XCTAssertEqual(listenerBatches[0].descriptors, [40, 41, 42, 50])
    guard case .listeners(let records) = listenerBatches[0].message else { return XCTFail("not listeners") }
    XCTAssertEqual(records.map(\.sockets), [[0, 1, 2], [3]])
  }
}
