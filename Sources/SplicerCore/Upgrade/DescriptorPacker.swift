/// Fills one batch message after another from a list of records (design §5.1), each when it is
/// asked for: the sender can send a batch while the next is not built yet. `DescriptorBatcher`
/// says how records are packed; this is its packing, one message at a time.
///
/// Each record is encoded once, straight into the payload of the message it travels in, with
/// its references already rewritten into that message's descriptors. Whether it fits is
/// decided before, from `encodedLength`. Pure, like the batcher: it moves descriptor numbers
/// and never touches a descriptor. Owns the items it was given (copies of the handover's).
public struct DescriptorPacker<Record: UpgradeBatchRecord>: IteratorProtocol {
  private let items: [DescriptorBatcher.Item<Record>]
  private var nextItem = 0
  private let descriptorLimit: Int
  private let dataLimit: Int
  // The message being filled.
  private var records: [Record] = []
  private var descriptors: [Int32] = []
  private var payload: UpgradeWireWriter
  /// `Bytes` chunks of the records in the current message, sent right after it.
  private var spilled: [UpgradeBytesChunk] = []

  /// Traps, as the batcher does, on limits no message could be built within.
  public init(
    _ items: [DescriptorBatcher.Item<Record>], descriptorLimit: Int = UpgradeWire.maximumDescriptors,
    dataLimit: Int = UpgradeWire.batchDataLimit
  ) {
    precondition(descriptorLimit > 0 && descriptorLimit <= UpgradeWire.maximumDescriptors)
    precondition(
      dataLimit > DescriptorBatcher.countLength + UpgradeBytesChunk.overhead
        && dataLimit <= UpgradeWire.maximumPayloadLength)
    self.items = items
    self.descriptorLimit = descriptorLimit
    self.dataLimit = dataLimit
    payload = Self.emptyPayload(dataLimit: dataLimit)
  }

  /// The next message; nil once every record has gone.
  ///
  /// Traps on a record whose references fall outside its descriptors, or that could not
  /// travel even alone: both are bugs in whoever built the record.
  public mutating func next() -> DescriptorBatch<Record>? {
    while nextItem < items.count {
      let item = items[nextItem]
      nextItem += 1
      if let finished = add(item) { return finished }
    }
    return finish()
  }

  /// Adds `item` to the current message, or to a new one; returns the message it closed.
  private mutating func add(_ item: DescriptorBatcher.Item<Record>) -> DescriptorBatch<Record>? {
    precondition(
      item.record.descriptorReferences.allSatisfy { Int($0) < item.descriptors.count },
      "a record refers past its \(item.descriptors.count) descriptors")
    precondition(item.descriptors.count <= descriptorLimit, "a record with \(item.descriptors.count) descriptors")
    // A record travels whole when it fits a message of its own: it starts the next message
    // rather than give up its inline bytes. Only buffers no message holds go as `Bytes`.
    var record = item.record
    var chunks: [UpgradeBytesChunk] = []
    if !DescriptorBatcher.travelsWhole(record, dataLimit: dataLimit) {
      (record, chunks) = record.spillingBuffers(chunkLimit: dataLimit - UpgradeBytesChunk.overhead)
    }
    let length = record.encodedLength
    precondition(DescriptorBatcher.countLength + length <= dataLimit, "a record of \(length) bytes fits no message")

    let closed = fits(length: length, descriptors: item.descriptors.count) ? nil : finish()
    let base = UInt16(descriptors.count)
    let placed = record.mappingDescriptors { $0 + base }
    let start = payload.bytes.count
    placed.encode(into: &payload)
    // The length decided where the record went; one that disagrees with the encoding is a bug
    // in `encodedLength`, caught by the tests (the receiver would refuse the worker's counts).
    assert(payload.bytes.count - start == length, "encodedLength \(length), encoded \(payload.bytes.count - start)")
    records.append(placed)
    descriptors.append(contentsOf: item.descriptors)
    spilled.append(contentsOf: chunks)
    return closed
  }

  private func fits(length added: Int, descriptors count: Int) -> Bool {
    // The record count as well: a batch holds no more records than descriptors can travel,
    // which is the bound the reader checks.
    records.count < UpgradeWire.maximumDescriptors && descriptors.count + count <= descriptorLimit
      && payload.bytes.count + added <= dataLimit
  }

  /// Closes the current message; nil when it holds no record.
  private mutating func finish() -> DescriptorBatch<Record>? {
    guard !records.isEmpty else { return nil }
    payload.overwrite(UInt16(records.count), at: 0)
    let batch = DescriptorBatch(records: records, descriptors: descriptors, payload: payload.bytes, chunks: spilled)
    records = []
    descriptors = []
    payload = Self.emptyPayload(dataLimit: dataLimit)
    spilled = []
    return batch
  }

  /// A payload holding only the record count's place.
  private static func emptyPayload(dataLimit: Int) -> UpgradeWireWriter {
    var writer = UpgradeWireWriter(capacity: dataLimit)
    writer.write(UInt16(0))
    return writer
  }
}
