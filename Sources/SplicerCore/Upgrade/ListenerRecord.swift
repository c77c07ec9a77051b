import SplicerSystem

/// A listening socket group as it travels in `Listeners`, before the freeze (design §5.2): the
/// keys `ReloadPlan` matches listeners by, the bound address, and one socket per old worker
/// (each worker's own SO_REUSEPORT member, or its duplicate of the one activated socket).
/// The admin socket travels as a record too, with `isAdmin` set and one socket.
public struct ListenerRecord: Hashable, Sendable {
  public var name: String
  public var generation: UInt32
  /// The configured bind text and backlog.
  public var bind: String
  public var backlog: UInt32
  /// What the socket is bound to (the real port where the config said 0).
  public var boundAddress: SocketAddress
  /// Passed by systemd socket activation.
  public var activated: Bool
  public var isAdmin: Bool
  /// One reference per old worker, in worker order.
  public var sockets: [UInt16]

  public init(
    name: String, generation: UInt32, bind: String, backlog: UInt32, boundAddress: SocketAddress,
    activated: Bool = false, isAdmin: Bool = false, sockets: [UInt16]
  ) {
    self.name = name
    self.generation = generation
    self.bind = bind
    self.backlog = backlog
    self.boundAddress = boundAddress
    self.activated = activated
    self.isAdmin = isAdmin
    self.sockets = sockets
  }

  public var descriptorReferences: [UInt16] { sockets }

  public func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> ListenerRecord {
    var copy = self
    copy.sockets = sockets.map(transform)
    return copy
  }
}
