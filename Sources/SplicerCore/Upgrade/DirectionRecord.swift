/// A `RelayDirection` as it travels (design §4.4, `DirectionRecord`): its state bits, its byte
/// count, and where its pending bytes are.
public struct DirectionRecord: Hashable, Sendable {
  public struct Flags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Sent for the log; the adopter sets both to true (a fresh registration reports readiness).
    public static let sourceReadable = Flags(rawValue: 1 << 0)
    public static let destinationWritable = Flags(rawValue: 1 << 1)
    /// Kept: EPOLLPRI is reported once per urgent byte.
    public static let urgentSignalled = Flags(rawValue: 1 << 2)
    public static let forwardsEndOfStream = Flags(rawValue: 1 << 3)
    /// The direction copies through a buffer instead of splicing (and stays that way).
    public static let copyMode = Flags(rawValue: 1 << 4)
    public static let sourceClosed = Flags(rawValue: 1 << 5)
    public static let finished = Flags(rawValue: 1 << 6)
    public static let all: Flags = [
      .sourceReadable, .destinationWritable, .urgentSignalled, .forwardsEndOfStream, .copyMode, .sourceClosed,
      .finished,
    ]
  }

  /// Where the bytes read and not yet written are.
  public enum Carrier: Hashable, Sendable {
    /// Nothing pending.
    case none
    /// In a pipe: both ends by reference. Only with bytes pending; empty pipes go back to the
    /// old process's pool before the snapshot.
    case pipe(read: UInt16, write: UInt16)
    /// In a copy buffer: the bytes sent inline, a prefix of the pending ones. What did not fit
    /// the batch follows in `Bytes` messages, from offset `inline.count`.
    case buffer(inline: [UInt8])

    public var tag: UInt8 {
      switch self {
      case .none: 0
      case .pipe: 1
      case .buffer: 2
      }
    }

    public var descriptorReferences: [UInt16] {
      if case .pipe(let read, let write) = self { [read, write] } else { [] }
    }

    public func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> Carrier {
      if case .pipe(let read, let write) = self { .pipe(read: transform(read), write: transform(write)) } else { self }
    }
  }

  public var flags: Flags
  /// Bytes relayed so far; the access log's counts continue from it.
  public var bytesRelayed: UInt64
  /// Bytes read and not yet written.
  public var pending: UInt32
  public var carrier: Carrier

  public init(flags: Flags = [], bytesRelayed: UInt64 = 0, pending: UInt32 = 0, carrier: Carrier = .none) {
    self.flags = flags
    self.bytesRelayed = bytesRelayed
    self.pending = pending
    self.carrier = carrier
  }
}
