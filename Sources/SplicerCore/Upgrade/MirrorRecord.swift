/// A `Mirror` as it travels (design §4.4, `MirrorRecord`), including a lingering one whose
/// session has closed. Its shadow socket and pipe go by reference.
public struct MirrorRecord: Hashable, Sendable {
  /// `Mirror.State` without `closed`: a closed mirror is no longer registered, so never sent.
  public enum State: UInt8, Hashable, Sendable, CaseIterable {
    case active = 0
    /// The client's FIN has gone on to the shadow.
    case finished = 1
  }

  public struct Flags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The session has closed; the mirror finishes its last bytes on its own.
    public static let lingering = Flags(rawValue: 1 << 0)
    public static let writable = Flags(rawValue: 1 << 1)
    public static let delivered = Flags(rawValue: 1 << 2)
    public static let sourceEnded = Flags(rawValue: 1 << 3)
    /// The shadow has closed its side.
    public static let shadowEnded = Flags(rawValue: 1 << 4)
    public static let all: Flags = [.lingering, .writable, .delivered, .sourceEnded, .shadowEnded]
  }

  /// Unique per worker: what `RelayRecord.mirror` refers to.
  public var id: UInt32
  /// The owning session's `SessionRecord.id`; nil once it has closed.
  public var owner: UInt32?
  /// The socket to the shadow server.
  public var socket: UInt16
  /// The mirror's pipe, both ends, if it has one.
  public var pipeRead: UInt16?
  public var pipeWrite: UInt16?
  public var listenerRow: UInt32
  /// How long a lingering mirror may wait for the shadow, nanoseconds.
  public var lingerBound: UInt64
  public var flags: Flags
  /// Bytes in the mirror's pipe.
  public var pending: UInt32
  public var state: State
  public var timerRemaining: UInt64?

  public init(
    id: UInt32, owner: UInt32?, socket: UInt16, pipeRead: UInt16?, pipeWrite: UInt16?, listenerRow: UInt32,
    lingerBound: UInt64, flags: Flags = [], pending: UInt32 = 0, state: State = .active,
    timerRemaining: UInt64? = nil
  ) {
    precondition((pipeRead == nil) == (pipeWrite == nil), "a mirror's pipe travels with both ends")
    self.id = id
    self.owner = owner
    self.socket = socket
    self.pipeRead = pipeRead
    self.pipeWrite = pipeWrite
    self.listenerRow = listenerRow
    self.lingerBound = lingerBound
    self.flags = flags
    self.pending = pending
    self.state = state
    self.timerRemaining = timerRemaining
  }

  public var descriptorReferences: [UInt16] { [socket] + [pipeRead, pipeWrite].compactMap { $0 } }

  public func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> MirrorRecord {
    var copy = self
    copy.socket = transform(socket)
    copy.pipeRead = pipeRead.map(transform)
    copy.pipeWrite = pipeWrite.map(transform)
    return copy
  }
}
