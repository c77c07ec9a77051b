/// Packs records and their descriptors into upgrade messages (design §5.1). Pure: it moves
/// descriptor numbers between arrays and never touches a descriptor.
///
/// Records are appended in order while the message's descriptors stay within
/// `descriptorLimit` (253, `SCM_MAX_FD`) and its payload within `dataLimit` (60 KiB); then
/// the next message starts. A record is never split: its descriptors travel in the same
/// message, and its references are rewritten from indices into its own `Item.descriptors` to
/// indices into that message's array. A record too large for any message with its copy-buffer
/// bytes inline travels without them, and the bytes follow as `Bytes` messages right after
/// the message that holds it.
public enum DescriptorBatcher {
  /// One record and the descriptors its references index (reference `i` is `descriptors[i]`).
  public struct Item<Record: UpgradeBatchRecord>: Hashable, Sendable {
    public var record: Record
    public var descriptors: [Int32]

    public init(record: Record, descriptors: [Int32]) {
      self.record = record
      self.descriptors = descriptors
    }
  }

  /// The messages for `items`, in order; none for no items.
  ///
  /// Traps on a record whose references fall outside its descriptors, or that could not
  /// travel even alone: both are bugs in whoever built the record.
  public static func batches<Record: UpgradeBatchRecord>(
    _ items: [Item<Record>], descriptorLimit: Int = UpgradeWire.maximumDescriptors,
    dataLimit: Int = UpgradeWire.batchDataLimit
  ) -> [UpgradeOutgoing] {
    precondition(descriptorLimit > 0 && descriptorLimit <= UpgradeWire.maximumDescriptors)
    precondition(dataLimit > countLength + UpgradeBytesChunk.overhead && dataLimit <= UpgradeWire.maximumPayloadLength)
    var packer = Packer<Record>(descriptorLimit: descriptorLimit, dataLimit: dataLimit)
    for item in items { packer.add(item) }
    packer.flush()
    return packer.outgoing
  }

  /// The record count in front of every batch.
  static let countLength = 2

  /// The message being filled and the ones already finished.
  private struct Packer<Record: UpgradeBatchRecord> {
    let descriptorLimit: Int
    let dataLimit: Int
    var outgoing: [UpgradeOutgoing] = []
    var records: [Record] = []
    var descriptors: [Int32] = []
    var length = DescriptorBatcher.countLength
    /// `Bytes` chunks of the records in the current message, sent right after it.
    var spilled: [UpgradeBytesChunk] = []

    init(descriptorLimit: Int, dataLimit: Int) {
      self.descriptorLimit = descriptorLimit
      self.dataLimit = dataLimit
    }

    mutating func add(_ item: Item<Record>) {
      let references = item.record.descriptorReferences
      precondition(
        references.allSatisfy { Int($0) < item.descriptors.count },
        "a record refers past its \(item.descriptors.count) descriptors")
      precondition(item.descriptors.count <= descriptorLimit, "a record with \(item.descriptors.count) descriptors")
      let full = item.record
      let fullLength = full.encodedLength
      let lean = full.spillingBuffers(chunkLimit: dataLimit - UpgradeBytesChunk.overhead)
      let leanLength = lean.chunks.isEmpty ? fullLength : lean.record.encodedLength
      precondition(
        DescriptorBatcher.countLength + leanLength <= dataLimit, "a record of \(leanLength) bytes fits no message")

      // A record travels whole when it fits a message of its own: it starts the next message
      // rather than give up its inline bytes. Only buffers no message holds go as `Bytes`.
      if DescriptorBatcher.countLength + fullLength <= dataLimit {
        if !fits(length: fullLength, descriptors: item.descriptors.count) { flush() }
        append(full, length: fullLength, descriptors: item.descriptors, chunks: [])
      } else {
        if !fits(length: leanLength, descriptors: item.descriptors.count) { flush() }
        append(lean.record, length: leanLength, descriptors: item.descriptors, chunks: lean.chunks)
      }
    }

    private func fits(length added: Int, descriptors count: Int) -> Bool {
      // The record count as well: a batch holds no more records than descriptors can travel,
      // which is the bound the reader checks.
      records.count < UpgradeWire.maximumDescriptors && descriptors.count + count <= descriptorLimit
        && length + added <= dataLimit
    }

    private mutating func append(
      _ record: Record, length added: Int, descriptors own: [Int32], chunks: [UpgradeBytesChunk]
    ) {
      let base = UInt16(descriptors.count)
      records.append(record.mappingDescriptors { $0 + base })
      descriptors.append(contentsOf: own)
      length += added
      spilled.append(contentsOf: chunks)
    }

    mutating func flush() {
      guard !records.isEmpty else { return }
      outgoing.append(UpgradeOutgoing(message: Record.batch(records), descriptors: descriptors))
      outgoing.append(contentsOf: spilled.map { UpgradeOutgoing(message: .bytes($0)) })
      records = []
      descriptors = []
      length = DescriptorBatcher.countLength
      spilled = []
    }
  }
}
