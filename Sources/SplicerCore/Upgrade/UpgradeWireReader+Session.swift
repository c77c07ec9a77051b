/// `SessionRecord` and its phase from the wire; the inverse of `UpgradeWireWriter+Session`.
extension UpgradeWireReader {
  public mutating func sessionRecord() throws(UpgradeWireError) -> SessionRecord {
    let id = try u32("session id")
    let worker = try u16("worker")
    let tag = try u8("phase")
    let rawFlags = try u8("session flags")
    let flags = SessionRecord.Flags(rawValue: rawFlags)
    guard SessionRecord.Flags.all.isSuperset(of: flags) else {
      throw .unknownTag(field: "session flags", value: UInt64(rawFlags))
    }
    let client = try descriptor("client")
    let peerAddress = try requiredAddress("peer address")
    let clientAddress = try requiredAddress("client address")
    let destinationAddress = try address("destination address")
    let generation = try u32("generation")
    let listenerName = try string("listener")
    let counterRow = try u32("counter row")
    let pool = try string("pool")
    let serverName = try optionalString("server name")
    let acceptedAge = try nanoseconds("accepted age")
    let queuedAge = try nanoseconds("queued age")
    let connectStartedAge = try nanoseconds("connect started age")
    let connectedAge = try nanoseconds("connected age")
    let timerRemaining = try nanoseconds("timer remaining")
    return SessionRecord(
      id: id, worker: worker, flags: flags, client: client, peerAddress: peerAddress, clientAddress: clientAddress,
      destinationAddress: destinationAddress, generation: generation, listenerName: listenerName,
      counterRow: counterRow, pool: pool, serverName: serverName, acceptedAge: acceptedAge, queuedAge: queuedAge,
      connectStartedAge: connectStartedAge, connectedAge: connectedAge, timerRemaining: timerRemaining,
      phase: try phase(tag))
  }

  private mutating func phase(_ tag: UInt8) throws(UpgradeWireError) -> SessionRecord.Phase {
    switch tag {
    case 0:
      return .readingProxyHeader
    case 1:
      return .inspecting(lowWatermarkRaised: try bool("low watermark raised"))
    case 2:
      let plan = try connectPlan()
      let lastTried = try bool("last tried") ? try serverKey() : nil
      return .queued(plan: plan, lastTried: lastTried, queuePosition: try u32("queue position"))
    case 3:
      let plan = try connectPlan()
      let server = try descriptor("connecting server")
      return .connecting(plan: plan, server: server, backend: try backendReference())
    case 4:
      return .waitingForDescriptors(plan: try connectPlan(), sinceAge: try nanoseconds("waiting since"))
    case 5:
      return .relaying(try relayRecord())
    case 6:
      let relay = try relayRecord()
      let reason = try string("close reason")
      return .forwardingAfterReset(relay, reason: reason, side: try sideRecord("forwarding side"))
    case 7:
      let pool = try string("answering pool")
      let file = try descriptor("fallback file")
      return .answering(pool: pool, file: file, offset: try u64("file offset"), sent: try bool("sent"))
    default:
      throw .unknownTag(field: "phase", value: UInt64(tag))
    }
  }

  mutating func connectPlan() throws(UpgradeWireError) -> ConnectPlanRecord {
    let attemptsLeft = try u32("attempts left")
    let lastTried = try i32("last tried index")
    guard lastTried >= -1 else { throw .inconsistent("last tried index \(lastTried)") }
    return ConnectPlanRecord(
      attemptsLeft: attemptsLeft, lastTried: lastTried == -1 ? nil : lastTried,
      repeatPending: try bool("repeat pending"))
  }

  mutating func serverKey() throws(UpgradeWireError) -> ServerKeyRecord {
    ServerKeyRecord(pool: try string("server pool"), address: try string("server address"))
  }

  mutating func backendReference() throws(UpgradeWireError) -> BackendReference {
    BackendReference(id: try u32("backend id"), key: try serverKey())
  }
}
