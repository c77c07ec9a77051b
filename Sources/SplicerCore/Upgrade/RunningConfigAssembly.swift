/// Joins `RunningConfig` chunks on the new side, strictly: they must arrive in order, all
/// announce the same count, and the joined bytes must decode as one `RunningConfigRecord` with
/// nothing left over. Used by the receiving thread alone.
public struct RunningConfigAssembly: Sendable {
  private var bytes: [UInt8] = []
  private var expected: (index: UInt16, count: UInt16)?

  public init() {}

  /// Adds the next chunk; returns the record once the last one has arrived.
  public mutating func add(_ chunk: RunningConfigChunk) throws(UpgradeWireError) -> RunningConfigRecord? {
    let next = expected?.index ?? 0
    guard chunk.index == next else {
      throw .inconsistent("RunningConfig chunk \(chunk.index) where \(next) was due")
    }
    if let expected, expected.count != chunk.count {
      throw .inconsistent("RunningConfig chunk announces \(chunk.count) chunks, the first announced \(expected.count)")
    }
    bytes.append(contentsOf: chunk.bytes)
    guard chunk.index + 1 == chunk.count else {
      expected = (chunk.index + 1, chunk.count)
      return nil
    }
    var reader = UpgradeWireReader(bytes, descriptorCount: 0)
    let record = try reader.runningConfigRecord()
    try reader.finish()
    return record
  }
}
