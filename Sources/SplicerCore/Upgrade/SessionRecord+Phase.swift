extension SessionRecord {
  /// `Session.Phase` as it travels, each case with the data the new process continues from
  /// (design §4.4, "Per phase"). `choosingServer` and `closed` never reach a safe point, so
  /// they have no case.
  public enum Phase: Hashable, Sendable {
    /// The PROXY header is still queued in the client socket (it is only peeked).
    case readingProxyHeader
    /// Peeking at the ClientHello; whether SO_RCVLOWAT was raised (it travels with the socket).
    case inspecting(lowWatermarkRaised: Bool)
    /// Waiting in the pool's queue: the plan, the server last tried (for validation), and the
    /// place in this worker's queue for the pool.
    case queued(plan: ConnectPlanRecord, lastTried: ServerKeyRecord?, queuePosition: UInt32)
    /// A connect in progress on `server`.
    case connecting(plan: ConnectPlanRecord, server: UInt16, backend: BackendReference)
    /// Out of descriptors, waiting for some; `sinceAge` is the age of the wait's start.
    case waitingForDescriptors(plan: ConnectPlanRecord, sinceAge: UInt64?)
    case relaying(RelayRecord)
    /// The server reset; what is left goes to the client, then the session closes with
    /// `reason` (`CloseReason`'s label). `side` is the direction still forwarding.
    case forwardingAfterReset(RelayRecord, reason: String, side: RelaySideRecord)
    /// Sending a pool's fallback file: the file, how far it got, and whether it is all sent.
    case answering(pool: String, file: UInt16, offset: UInt64, sent: Bool)

    /// The tag on the wire.
    public var tag: UInt8 {
      switch self {
      case .readingProxyHeader: 0
      case .inspecting: 1
      case .queued: 2
      case .connecting: 3
      case .waitingForDescriptors: 4
      case .relaying: 5
      case .forwardingAfterReset: 6
      case .answering: 7
      }
    }

    /// The descriptor references the phase holds, in encoding order.
    public var descriptorReferences: [UInt16] {
      switch self {
      case .readingProxyHeader, .inspecting, .queued, .waitingForDescriptors: []
      case .connecting(_, let server, _): [server]
      case .relaying(let relay), .forwardingAfterReset(let relay, _, _): relay.descriptorReferences
      case .answering(_, let file, _, _): [file]
      }
    }

    /// The same phase with every descriptor reference passed through `transform`.
    public func mappingDescriptors(_ transform: (UInt16) -> UInt16) -> Phase {
      switch self {
      case .readingProxyHeader, .inspecting, .queued, .waitingForDescriptors: self
      case .connecting(let plan, let server, let backend):
        .connecting(plan: plan, server: transform(server), backend: backend)
      case .relaying(let relay): .relaying(relay.mappingDescriptors(transform))
      case .forwardingAfterReset(let relay, let reason, let side):
        .forwardingAfterReset(relay.mappingDescriptors(transform), reason: reason, side: side)
      case .answering(let pool, let file, let offset, let sent):
        .answering(pool: pool, file: transform(file), offset: offset, sent: sent)
      }
    }
  }
}
