extension RunningConfigRecord {
  /// The record's encoding cut into `RunningConfig` messages of at most `dataLimit` payload
  /// bytes each, in order; at least one, even for an empty record.
  public func chunks(dataLimit: Int = UpgradeWire.batchDataLimit) -> [RunningConfigChunk] {
    let size = dataLimit - RunningConfigChunk.overhead
    precondition(size > 0, "RunningConfig chunks of \(dataLimit) bytes")
    var writer = UpgradeWireWriter()
    writer.write(self)
    let encoded = writer.bytes
    let count = max(1, (encoded.count + size - 1) / size)
    precondition(count <= RunningConfigChunk.maximumCount, "a running config of \(encoded.count) bytes")
    return (0..<count).map { index in
      let start = index * size
      return RunningConfigChunk(
        index: UInt16(index), count: UInt16(count), bytes: Array(encoded[start..<min(start + size, encoded.count)]))
    }
  }
}
