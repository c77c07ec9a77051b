/// `ListenerRecord` on the wire (design §5.2).
extension UpgradeWireWriter {
  public mutating func write(_ listener: ListenerRecord) {
    write(listener.name)
    write(listener.generation)
    write(listener.bind)
    write(listener.backlog)
    writeAddress(listener.boundAddress)
    write(listener.activated)
    write(listener.isAdmin)
    writeCount(listener.sockets.count)
    for socket in listener.sockets { writeDescriptor(socket) }
  }
}

extension UpgradeWireReader {
  /// A listener with at least one socket and no more than a message's descriptors.
  public mutating func listenerRecord() throws(UpgradeWireError) -> ListenerRecord {
    let name = try string("listener name")
    let generation = try u32("listener generation")
    let bind = try string("listener bind")
    let backlog = try u32("listener backlog")
    let boundAddress = try requiredAddress("listener address")
    let activated = try bool("activated")
    let isAdmin = try bool("admin")
    let count = try count("listener sockets", limit: UpgradeWire.maximumDescriptors)
    guard count > 0 else { throw .inconsistent("listener \(name) without a socket") }
    var sockets: [UInt16] = []
    for _ in 0..<count { sockets.append(try descriptor("listener socket")) }
    return ListenerRecord(
      name: name, generation: generation, bind: bind, backlog: backlog, boundAddress: boundAddress,
      activated: activated, isAdmin: isAdmin, sockets: sockets)
  }
}
