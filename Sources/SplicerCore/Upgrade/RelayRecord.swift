/// A `Relay` as it travels (design §4.4, `RelayRecord`): the server socket by reference, the
/// server by id and key, and both directions. The direction sockets are not sent: they are the
/// session's client and this relay's server, by side.
public struct RelayRecord: Hashable, Sendable {
  public var server: UInt16
  public var backend: BackendReference
  /// Age of the last byte relayed; the idle deadline is derived from it again.
  public var lastActivityAge: UInt64?
  /// `PacedRates`: the caps travel with the sockets, these spare a `setsockopt`.
  public var pacedDownload: UInt64
  public var pacedUpload: UInt64
  /// The relay's mirror (`MirrorRecord.id`), if any.
  public var mirror: UInt32?
  public var toServer: DirectionRecord
  public var toClient: DirectionRecord

  public init(
    server: UInt16, backend: BackendReference, lastActivityAge: UInt64? = nil, pacedDownload: UInt64 = 0,
    pacedUpload: UInt64 = 0, mirror: UInt32? = nil, toServer: DirectionRecord, toClient: DirectionRecord
  ) {
    self.server = server
    self.backend = backend
    self.lastActivityAge = lastActivityAge
    self.pacedDownload = pacedDownload
    self.pacedUpload = pacedUpload
    self.mirror = mirror
    self.toServer = toServer
    self.toClient = toClient
  }

  /// The server socket, then each direction's pipe ends.
  public var descriptorReferences: [UInt16] {
    [server] + toServer.carrier.descriptorReferences + toClient.carrier.descriptorReferences
  }

  public func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> RelayRecord {
    var copy = self
    copy.server = transform(server)
    copy.toServer.carrier = toServer.carrier.mappingDescriptors(transform)
    copy.toClient.carrier = toClient.carrier.mappingDescriptors(transform)
    return copy
  }

  /// The direction on `side`.
  public subscript(side: RelaySideRecord) -> DirectionRecord {
    get { side == .toServer ? toServer : toClient }
    set { if side == .toServer { toServer = newValue } else { toClient = newValue } }
  }
}
