import SplicerSystem

/// One side's end of the upgrade channel as the state machines use it: encodes and numbers
/// what it sends, decodes what it receives, and turns every failure into an `UpgradeStop`.
/// Owns the channel: `close()` once, when the protocol ends.
struct UpgradeLink {
  let channel: DescriptorChannel
  /// Called at least once a second while `receive` waits (the old process's watchdog ping:
  /// its main thread runs the handover instead of its signal loop).
  var heartbeat: (() -> Void)?
  /// The agreed wire version; `UpgradeWire.version` until `Welcome`.
  private(set) var version: UInt16 = UpgradeWire.version
  /// `Welcome` was sent or received: every message but `Hello` and `Refuse` must then carry
  /// `version` in its header.
  private(set) var agreed = false
  private(set) var nextSequence: UInt32 = 0

  init(channel: DescriptorChannel) {
    self.channel = channel
  }

  /// From here on, messages are sent in `version` and received only in it.
  mutating func agree(on version: UInt16) {
    self.version = version
    agreed = true
  }

  /// Sends one message; returns its sequence number.
  @discardableResult
  mutating func send(_ message: UpgradeMessage, descriptors: [Int32] = [], deadline: UInt64) throws(UpgradeStop)
    -> UInt32
  {
    var payload = UpgradeWireWriter()
    payload.write(message)
    return try send(message.type, payload: payload.bytes, descriptors: descriptors, deadline: deadline)
  }

  /// Sends one message whose payload is already encoded (a batch as the batcher filled it);
  /// returns its sequence number.
  mutating func send(_ type: UpgradeMessageType, payload: [UInt8], descriptors: [Int32] = [], deadline: UInt64)
    throws(UpgradeStop) -> UInt32
  {
    let sequence = nextSequence
    let datagram = UpgradeWire.datagram(
      type, payload: payload, sequence: sequence, version: version, descriptorCount: descriptors.count)
    do {
      try channel.send(datagram, descriptors: descriptors, deadline: deadline)
    } catch {
      throw UpgradeStop.channel(error, "sending \(type)")
    }
    nextSequence &+= 1
    return sequence
  }

  mutating func send(_ outgoing: UpgradeOutgoing, deadline: UInt64) throws(UpgradeStop) -> UInt32 {
    try send(outgoing.message, descriptors: outgoing.descriptors, deadline: deadline)
  }

  /// Sends a datagram that is no upgrade message: a header's length of zeros, so that it
  /// announces no descriptors and fails on its magic (fault injection).
  func sendGarbage(deadline: UInt64) throws(UpgradeStop) {
    do {
      try channel.send([UInt8](repeating: 0, count: UpgradeWire.headerLength), deadline: deadline)
    } catch {
      throw UpgradeStop.channel(error, "sending a corrupt message")
    }
  }

  /// The next message and its descriptors. Every descriptor that arrives goes into `ledger`
  /// before anything can fail; without a ledger they are closed (this side expects none).
  func receive(deadline: UInt64, ledger: AdoptionLedger?, _ doing: String) throws(UpgradeStop)
    -> (envelope: UpgradeEnvelope, descriptors: [Int32])
  {
    var message: DescriptorMessage?
    while message == nil {
      // Waits in slices of at most a second when there is a heartbeat to keep.
      let slice = heartbeat == nil ? deadline : min(deadline, MonotonicClock.now().addingClamped(1_000_000_000))
      do {
        message = try channel.receive(deadline: slice, declaredCount: Self.declaredCount)
      } catch  where error.reason == .timedOut && slice < deadline {
        heartbeat?()
      } catch {
        throw UpgradeStop.channel(error, doing)
      }
    }
    guard let message else { throw UpgradeStop.channel(DescriptorChannelError(.timedOut), doing) }
    if let ledger { ledger.record(message.descriptors) } else { message.closeDescriptors() }
    let envelope: UpgradeEnvelope
    do {
      envelope = try UpgradeWire.decode(message.data, descriptorCount: message.descriptors.count)
    } catch {
      throw UpgradeStop(.recordInvalid, "\(error) \(doing)")
    }
    // The decoder knows the versions this binary speaks; only the link knows the one agreed.
    let header = envelope.header
    if agreed, !header.type.travelsBeforeAgreement, header.version != version {
      throw UpgradeStop(
        .recordInvalid, "\(header.type) in wire version \(header.version), \(version) was agreed, \(doing)")
    }
    return (envelope, ledger == nil ? [] : message.descriptors)
  }

  func close() { channel.close() }

  /// The descriptor count a datagram's header announces.
  private static func declaredCount(_ data: [UInt8]) -> Int? {
    guard data.count >= UpgradeWire.headerLength else { return nil }
    return Int(data[16]) | Int(data[17]) << 8
  }
}
