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

  /// The messages for `items`, in order; none for no items: `DescriptorPacker`'s batches,
  /// each followed by its `Bytes` chunks, all built at once (the listeners, and tests).
  ///
  /// Traps on a record whose references fall outside its descriptors, or that could not
  /// travel even alone: both are bugs in whoever built the record.
  public static func batches<Record: UpgradeBatchRecord>(
    _ items: [Item<Record>], descriptorLimit: Int = UpgradeWire.maximumDescriptors,
    dataLimit: Int = UpgradeWire.batchDataLimit
  ) -> [UpgradeOutgoing] {
    var packer = DescriptorPacker(items, descriptorLimit: descriptorLimit, dataLimit: dataLimit)
    var outgoing: [UpgradeOutgoing] = []
    while let batch = packer.next() {
      outgoing.append(UpgradeOutgoing(message: batch.message, descriptors: batch.descriptors))
      outgoing.append(contentsOf: batch.chunks.map { UpgradeOutgoing(message: .bytes($0)) })
    }
    return outgoing
  }

  /// The copy-buffer bytes of `items` that travel as `Bytes`, counted without packing or
  /// encoding anything: what `WorkerBegin` announces before the first batch is built.
  public static func spilledBytes<Record: UpgradeBatchRecord>(
    _ items: [Item<Record>], dataLimit: Int = UpgradeWire.batchDataLimit
  ) -> UInt64 {
    items.reduce(0) { total, item in
      travelsWhole(item.record, dataLimit: dataLimit) ? total : total + UInt64(item.record.inlineBufferBytes)
    }
  }

  /// The record count in front of every batch.
  static let countLength = 2

  /// Whether `record` travels with its inline copy-buffer bytes, in a message of its own if
  /// need be; if not, every one of them goes as `Bytes`. The one decision both the packer and
  /// `spilledBytes` make, so that what is announced is what is sent.
  static func travelsWhole<Record: UpgradeBatchRecord>(_ record: Record, dataLimit: Int) -> Bool {
    record.inlineBufferBytes == 0 || countLength + record.encodedLength <= dataLimit
  }
}
