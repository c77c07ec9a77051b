import SplicerSystem

/// A session as it travels to the new process (design §4.4): plain values only, with the
/// session's descriptors as references into the message's descriptor array. The snapshot
/// builds it from a frozen `Session`; adoption rebuilds a `Session` from it. Neither owns a
/// descriptor through it: the references are indices, the channel owns what they point at.
///
/// Times are relative to the worker's freeze instant (`UpgradeWorkerBegin.freezeInstant`):
/// past instants as ages, deadlines as what remained, nanoseconds, nil for none.
public struct SessionRecord: Hashable, Sendable {
  /// Per-session flags carried as one byte.
  public struct Flags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let urgentFromClient = Flags(rawValue: 1 << 0)
    public static let urgentFromServer = Flags(rawValue: 1 << 1)
    /// A deferred pump was queued at the freeze: the adopter pumps once.
    public static let pumpOnce = Flags(rawValue: 1 << 2)
    public static let all: Flags = [.urgentFromClient, .urgentFromServer, .pumpOnce]
  }

  /// Unique per worker: the key of `Bytes` chunks and of `MirrorRecord.owner`.
  public var id: UInt32
  /// The index of the worker that adopts it.
  public var worker: UInt16
  public var flags: Flags
  /// The client socket.
  public var client: UInt16
  /// The kernel's peer of the client socket, checked against `getpeername` at adoption.
  public var peerAddress: SocketAddress
  /// The client as the session reports it (a PROXY header may have changed it).
  public var clientAddress: SocketAddress
  public var destinationAddress: SocketAddress?
  /// The config generation the session was accepted under, and its listener in it.
  public var generation: UInt32
  public var listenerName: String
  public var counterRow: UInt32
  /// The pool's name; empty before one is chosen.
  public var pool: String
  public var serverName: String?
  /// `SessionTimeline`'s instants, as ages.
  public var acceptedAge: UInt64?
  public var queuedAge: UInt64?
  public var connectStartedAge: UInt64?
  public var connectedAge: UInt64?
  /// What remained of the session's timer, if it had one.
  public var timerRemaining: UInt64?
  public var phase: Phase

  public init(
    id: UInt32, worker: UInt16, flags: Flags = [], client: UInt16, peerAddress: SocketAddress,
    clientAddress: SocketAddress, destinationAddress: SocketAddress? = nil, generation: UInt32,
    listenerName: String, counterRow: UInt32, pool: String = "", serverName: String? = nil,
    acceptedAge: UInt64? = nil, queuedAge: UInt64? = nil, connectStartedAge: UInt64? = nil,
    connectedAge: UInt64? = nil, timerRemaining: UInt64? = nil, phase: Phase
  ) {
    self.id = id
    self.worker = worker
    self.flags = flags
    self.client = client
    self.peerAddress = peerAddress
    self.clientAddress = clientAddress
    self.destinationAddress = destinationAddress
    self.generation = generation
    self.listenerName = listenerName
    self.counterRow = counterRow
    self.pool = pool
    self.serverName = serverName
    self.acceptedAge = acceptedAge
    self.queuedAge = queuedAge
    self.connectStartedAge = connectStartedAge
    self.connectedAge = connectedAge
    self.timerRemaining = timerRemaining
    self.phase = phase
  }

  /// The client socket, then what the phase holds.
  public var descriptorReferences: [UInt16] { [client] + phase.descriptorReferences }

  public func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> SessionRecord {
    var copy = self
    copy.client = transform(client)
    copy.phase = phase.mappingDescriptors(transform)
    return copy
  }
}
