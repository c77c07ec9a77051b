extension SessionRecord: UpgradeBatchRecord {
  public func encode(into writer: inout UpgradeWireWriter) { writer.write(self) }

  public static func batch(_ records: [SessionRecord]) -> UpgradeMessage { .sessionBatch(records) }

  /// Moves every inline copy-buffer byte of a relaying session into `Bytes` chunks of at most
  /// `chunkLimit` bytes; the direction keeps its pending count and an empty inline prefix.
  public func spillingBuffers(chunkLimit: Int) -> (record: SessionRecord, chunks: [UpgradeBytesChunk]) {
    precondition(chunkLimit > 0, "chunks of \(chunkLimit) bytes")
    var relay: RelayRecord
    switch phase {
    case .relaying(let current), .forwardingAfterReset(let current, _, _): relay = current
    default: return (self, [])
    }
    var chunks: [UpgradeBytesChunk] = []
    for side in RelaySideRecord.allCases {
      guard case .buffer(let inline) = relay[side].carrier, !inline.isEmpty else { continue }
      for start in stride(from: 0, to: inline.count, by: chunkLimit) {
        let bytes = Array(inline[start..<min(start + chunkLimit, inline.count)])
        chunks.append(UpgradeBytesChunk(session: id, side: side, offset: UInt32(start), bytes: bytes))
      }
      relay[side].carrier = .buffer(inline: [])
    }
    var copy = self
    switch phase {
    case .forwardingAfterReset(_, let reason, let side):
      copy.phase = .forwardingAfterReset(relay, reason: reason, side: side)
    default: copy.phase = .relaying(relay)
    }
    return (copy, chunks)
  }
}
