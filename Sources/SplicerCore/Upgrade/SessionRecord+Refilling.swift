extension SessionRecord {
  /// The record with the `Bytes` chunks that followed its batch put back into its copy
  /// buffers: the inverse of `spillingBuffers`. Chunks must be this session's, for a side that
  /// has a buffer carrier, and continue each buffer exactly where it ends.
  public func refillingBuffers(_ chunks: [UpgradeBytesChunk]) throws(UpgradeWireError) -> SessionRecord {
    guard !chunks.isEmpty else { return self }
    var relay: RelayRecord
    switch phase {
    case .relaying(let current), .forwardingAfterReset(let current, _, _): relay = current
    default: throw .inconsistent("Bytes for session \(id), which relays nothing")
    }
    for chunk in chunks {
      guard chunk.session == id else { throw .inconsistent("Bytes for session \(chunk.session) given to \(id)") }
      guard case .buffer(var inline) = relay[chunk.side].carrier else {
        throw .inconsistent("Bytes for session \(id) \(chunk.side), which has no buffer")
      }
      guard Int(chunk.offset) == inline.count else {
        throw .inconsistent("Bytes at offset \(chunk.offset) of session \(id) where \(inline.count) was due")
      }
      inline.append(contentsOf: chunk.bytes)
      guard inline.count <= Int(relay[chunk.side].pending) else {
        throw .inconsistent("session \(id) buffers more bytes than are pending")
      }
      relay[chunk.side].carrier = .buffer(inline: inline)
    }
    var copy = self
    switch phase {
    case .forwardingAfterReset(_, let reason, let side):
      copy.phase = .forwardingAfterReset(relay, reason: reason, side: side)
    default: copy.phase = .relaying(relay)
    }
    return copy
  }
}
