/// One message of records as `DescriptorPacker` filled it: the records with their references
/// rewritten into `descriptors`, the payload already encoded, and the `Bytes` chunks of the
/// records that travel without their copy buffers, sent right after it.
///
/// The descriptors are borrowed from the handover's items: the sender owns them until the
/// upgrade commits.
public struct DescriptorBatch<Record: UpgradeBatchRecord>: Sendable {
  public var records: [Record]
  public var descriptors: [Int32]
  /// The message's payload: the record count, then each record as `encode` wrote it.
  public var payload: [UInt8]
  public var chunks: [UpgradeBytesChunk]

  /// The records as encoded, without the count: what the handover's checksums cover.
  public var encodedRecords: ArraySlice<UInt8> { payload[DescriptorBatcher.countLength...] }

  /// The message this batch is.
  public var message: UpgradeMessage { Record.batch(records) }
}
