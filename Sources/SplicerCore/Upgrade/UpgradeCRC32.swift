/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib computes it) over the
/// encoded records of a handover: `WorkerEnd` carries one per worker and `Prepared` one over
/// every worker, so that both sides can tell they saw the same records.
public struct UpgradeCRC32: Sendable {
  private static let table: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
  }

  private var state: UInt32 = 0xFFFF_FFFF

  public init() {}

  /// The checksum of the bytes added so far.
  public var value: UInt32 { state ^ 0xFFFF_FFFF }

  public mutating func add(_ bytes: some Sequence<UInt8>) {
    // The table and the state in locals: every record of a handover goes through here.
    var current = state
    Self.table.withUnsafeBufferPointer { table in
      for byte in bytes { current = table[Int((current ^ UInt32(byte)) & 0xFF)] ^ (current >> 8) }
    }
    state = current
  }

  /// Adds a record as it travels in its batch (references into the batch's descriptors,
  /// spilled bytes left out).
  public mutating func add(record: some UpgradeBatchRecord) {
    var writer = UpgradeWireWriter()
    record.encode(into: &writer)
    add(writer.bytes)
  }

  /// Adds `bytes` to both checksums (a worker's and the whole handover's) in one pass: the
  /// sender's batches, already encoded.
  public static func add(_ bytes: ArraySlice<UInt8>, to first: inout Self, and second: inout Self) {
    // Two independent chains through the table in one loop: the second costs little more.
    var one = first.state
    var two = second.state
    table.withUnsafeBufferPointer { table in
      bytes.withUnsafeBufferPointer { bytes in
        for byte in bytes {
          one = table[Int((one ^ UInt32(byte)) & 0xFF)] ^ (one >> 8)
          two = table[Int((two ^ UInt32(byte)) & 0xFF)] ^ (two >> 8)
        }
      }
    }
    first.state = one
    second.state = two
  }

  /// Adds each record to both checksums (a worker's and the whole handover's), encoding it
  /// once for both.
  public static func add(records: [some UpgradeBatchRecord], to first: inout Self, and second: inout Self) {
    for record in records {
      var writer = UpgradeWireWriter()
      record.encode(into: &writer)
      first.add(writer.bytes)
      second.add(writer.bytes)
    }
  }
}
