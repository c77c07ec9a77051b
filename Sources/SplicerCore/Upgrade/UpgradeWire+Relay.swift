/// `RelayRecord` and `DirectionRecord` on the wire (design §4.4).
extension UpgradeWireWriter {
  public mutating func write(_ relay: RelayRecord) {
    writeDescriptor(relay.server)
    write(relay.backend)
    writeNanoseconds(relay.lastActivityAge)
    write(relay.pacedDownload)
    write(relay.pacedUpload)
    write(relay.mirror != nil)
    if let mirror = relay.mirror { write(mirror) }
    write(relay.toServer)
    write(relay.toClient)
  }

  public mutating func write(_ direction: DirectionRecord) {
    write(direction.flags.rawValue)
    write(direction.bytesRelayed)
    write(direction.pending)
    write(direction.carrier.tag)
    switch direction.carrier {
    case .none:
      break
    case .pipe(let read, let write):
      writeDescriptor(read)
      writeDescriptor(write)
    case .buffer(let inline):
      writeBlob(inline)
    }
  }
}

extension UpgradeWireReader {
  public mutating func relayRecord() throws(UpgradeWireError) -> RelayRecord {
    let server = try descriptor("relay server")
    let backend = try backendReference()
    let lastActivityAge = try nanoseconds("last activity age")
    let pacedDownload = try u64("paced download")
    let pacedUpload = try u64("paced upload")
    let mirror = try bool("mirror") ? try u32("mirror id") : nil
    return RelayRecord(
      server: server, backend: backend, lastActivityAge: lastActivityAge, pacedDownload: pacedDownload,
      pacedUpload: pacedUpload, mirror: mirror, toServer: try directionRecord(), toClient: try directionRecord())
  }

  /// A direction whose carrier agrees with its pending count: none when nothing is pending, a
  /// pipe or a buffer when something is, and never more inline bytes than are pending.
  public mutating func directionRecord() throws(UpgradeWireError) -> DirectionRecord {
    let rawFlags = try u8("direction flags")
    let flags = DirectionRecord.Flags(rawValue: rawFlags)
    guard DirectionRecord.Flags.all.isSuperset(of: flags) else {
      throw .unknownTag(field: "direction flags", value: UInt64(rawFlags))
    }
    let bytesRelayed = try u64("bytes relayed")
    let pending = try u32("pending")
    let tag = try u8("carrier")
    let carrier: DirectionRecord.Carrier
    switch tag {
    case 0:
      guard pending == 0 else { throw .inconsistent("\(pending) bytes pending without a carrier") }
      carrier = .none
    case 1:
      guard pending > 0 else { throw .inconsistent("a pipe carrier with nothing pending") }
      let read = try descriptor("pipe read end")
      carrier = .pipe(read: read, write: try descriptor("pipe write end"))
    case 2:
      guard pending > 0 else { throw .inconsistent("a buffer carrier with nothing pending") }
      carrier = .buffer(inline: try blob("inline bytes", limit: min(Int(pending), UpgradeWire.maximumPayloadLength)))
    default:
      throw .unknownTag(field: "carrier", value: UInt64(tag))
    }
    return DirectionRecord(flags: flags, bytesRelayed: bytesRelayed, pending: pending, carrier: carrier)
  }
}
