/// `Bytes`: part of a copy buffer's pending bytes that did not fit its session's batch. Chunks
/// follow the batch at once, in order; `offset` counts from the first pending byte.
public struct UpgradeBytesChunk: Hashable, Sendable {
  /// Data of a `Bytes` message besides its chunk: session id, side, offset, length.
  public static let overhead = 4 + 1 + 4 + 4

  public var session: UInt32
  public var side: RelaySideRecord
  public var offset: UInt32
  public var bytes: [UInt8]

  public init(session: UInt32, side: RelaySideRecord, offset: UInt32, bytes: [UInt8]) {
    self.session = session
    self.side = side
    self.offset = offset
    self.bytes = bytes
  }
}
