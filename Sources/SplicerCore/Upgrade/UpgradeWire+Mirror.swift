/// `MirrorRecord` on the wire (design §4.4).
extension UpgradeWireWriter {
  public mutating func write(_ mirror: MirrorRecord) {
    write(mirror.id)
    write(mirror.owner != nil)
    if let owner = mirror.owner { write(owner) }
    writeDescriptor(mirror.socket)
    writeDescriptor(mirror.pipeRead)
    writeDescriptor(mirror.pipeWrite)
    write(mirror.listenerRow)
    write(mirror.lingerBound)
    write(mirror.flags.rawValue)
    write(mirror.pending)
    write(mirror.state.rawValue)
    writeNanoseconds(mirror.timerRemaining)
  }
}

extension UpgradeWireReader {
  public mutating func mirrorRecord() throws(UpgradeWireError) -> MirrorRecord {
    let id = try u32("mirror id")
    let owner = try bool("mirror owner") ? try u32("mirror owner") : nil
    let socket = try descriptor("mirror socket")
    let pipeRead = try optionalDescriptor("mirror pipe read end")
    let pipeWrite = try optionalDescriptor("mirror pipe write end")
    guard (pipeRead == nil) == (pipeWrite == nil) else { throw .inconsistent("a mirror pipe with one end") }
    let listenerRow = try u32("mirror listener row")
    let lingerBound = try u64("linger bound")
    let rawFlags = try u8("mirror flags")
    let flags = MirrorRecord.Flags(rawValue: rawFlags)
    guard MirrorRecord.Flags.all.isSuperset(of: flags) else {
      throw .unknownTag(field: "mirror flags", value: UInt64(rawFlags))
    }
    let pending = try u32("mirror pending")
    guard pending == 0 || pipeRead != nil else { throw .inconsistent("mirror bytes pending without a pipe") }
    let rawState = try u8("mirror state")
    guard let state = MirrorRecord.State(rawValue: rawState) else {
      throw .unknownTag(field: "mirror state", value: UInt64(rawState))
    }
    return MirrorRecord(
      id: id, owner: owner, socket: socket, pipeRead: pipeRead, pipeWrite: pipeWrite, listenerRow: listenerRow,
      lingerBound: lingerBound, flags: flags, pending: pending, state: state,
      timerRemaining: try nanoseconds("mirror timer remaining"))
  }
}
