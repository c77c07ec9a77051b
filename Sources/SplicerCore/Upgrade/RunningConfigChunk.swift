/// One `RunningConfig` message (design §4.2): a slice of the encoded `RunningConfigRecord`.
/// The record holds whole config files, which may outgrow a datagram, so its encoding is cut
/// into chunks sent in order (`index` from 0 to `count - 1`) and joined again by
/// `RunningConfigAssembly` on the new side before it is decoded as one record.
public struct RunningConfigChunk: Hashable, Sendable {
  /// Data of a `RunningConfig` message besides its bytes: index, count, length.
  public static let overhead = 2 + 2 + 4
  /// The most chunks one record may take: 1024 chunks of 60 KiB, 60 MiB of config.
  public static let maximumCount = 1024

  public var index: UInt16
  public var count: UInt16
  public var bytes: [UInt8]

  public init(index: UInt16, count: UInt16, bytes: [UInt8]) {
    self.index = index
    self.count = count
    self.bytes = bytes
  }
}
