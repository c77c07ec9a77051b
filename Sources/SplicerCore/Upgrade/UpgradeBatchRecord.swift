/// A record that travels in batches with the descriptors it refers to: sessions, mirrors and
/// listeners. What `DescriptorBatcher` needs to pack it: its references, a way to move them
/// into a message's descriptor array, its encoding and its size, the copy-buffer bytes it
/// could spill, and the message a batch of it is.
public protocol UpgradeBatchRecord: Hashable, Sendable {
  /// Every descriptor reference the record holds.
  var descriptorReferences: [UInt16] { get }
  /// The same record with every descriptor reference passed through `transform`.
  func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> Self
  func encode(into writer: inout UpgradeWireWriter)
  /// The record's encoded size in bytes, what `encode` appends.
  var encodedLength: Int { get }
  /// The copy-buffer bytes the record carries inline: what `spillingBuffers` would move into
  /// chunks. Zero for records without buffers.
  var inlineBufferBytes: Int { get }
  /// The record without the copy-buffer bytes it carries inline, and those bytes as `Bytes`
  /// chunks from offset 0. Records without buffers return themselves and no chunks.
  func spillingBuffers(chunkLimit: Int) -> (record: Self, chunks: [UpgradeBytesChunk])
  /// The message a batch of these records travels in.
  static func batch(_ records: [Self]) -> UpgradeMessage
}

extension UpgradeBatchRecord {
  public func spillingBuffers(chunkLimit: Int) -> (record: Self, chunks: [UpgradeBytesChunk]) { (self, []) }

  public var inlineBufferBytes: Int { 0 }

  /// Measured by encoding: for the records too few to be worth a layout of their own (a
  /// session, of which there are thousands, counts its size instead).
  public var encodedLength: Int {
    var writer = UpgradeWireWriter()
    encode(into: &writer)
    return writer.bytes.count
  }
}

extension MirrorRecord: UpgradeBatchRecord {
  public func encode(into writer: inout UpgradeWireWriter) { writer.write(self) }

  /// Counted as `UpgradeWire+Mirror` writes it: id, owner (a presence byte, then the id),
  /// socket and both pipe ends, listener row, linger bound, flags, pending, state, timer.
  public var encodedLength: Int { 4 + 1 + (owner == nil ? 0 : 4) + 2 + 2 + 2 + 4 + 8 + 1 + 4 + 1 + 8 }

  public static func batch(_ records: [MirrorRecord]) -> UpgradeMessage { .mirrorBatch(records) }
}

extension ListenerRecord: UpgradeBatchRecord {
  public func encode(into writer: inout UpgradeWireWriter) { writer.write(self) }
  public static func batch(_ records: [ListenerRecord]) -> UpgradeMessage { .listeners(records) }
}
