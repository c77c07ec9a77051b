/// The handover format between a running Splicer and the binary that replaces it
/// (docs/design/live-upgrade.md, §4): one SEQPACKET datagram per message, a 20-byte header, a
/// payload, and at most 253 descriptors beside it. Little-endian throughout.
///
/// Pure: this namespace turns an `UpgradeMessage` into the bytes of one datagram and back, and
/// never touches a descriptor. Whoever sends or receives the datagram (the descriptor channel)
/// owns the descriptors; here they are only counted.
public enum UpgradeWire {
  /// The layout of every message and record. Raised on any change of any layout, like Envoy's
  /// `HOT_RESTART_VERSION`; a release that keeps an older encoder raises only this.
  ///
  /// 2 adds `Histograms` (the latency histograms, design §12); everything else is as in 1.
  public static let version: UInt16 = 2
  /// The oldest layout this binary still reads and writes: a binary of version 1 can still
  /// hand over to this one, and this one to it, without the histograms.
  public static let oldestSupported: UInt16 = 1
  /// The versions this binary speaks.
  public static var supported: ClosedRange<UInt16> { oldestSupported...version }

  /// "SPLU", the first four bytes of every message.
  public static let magic: [UInt8] = Array("SPLU".utf8)
  /// Magic, version, type, sequence, payload length, descriptor count, reserved.
  public static let headerLength = 20
  /// Data in one datagram, header included: what the receiver's buffer holds.
  public static let maximumDatagramLength = 65536
  // The datagram bound is the one the receiver's buffer depends on, so the payload gets what
  // the header leaves of it.
  /// The largest payload a header may announce.
  public static let maximumPayloadLength = maximumDatagramLength - headerLength
  /// `SCM_MAX_FD`: more descriptors in one `sendmsg` is `EINVAL`.
  public static let maximumDescriptors = 253
  /// The data a batch of records fills before the batcher starts the next one, leaving room
  /// for the header and the batch's own count.
  public static let batchDataLimit = 60 * 1024
  /// A descriptor reference that refers to none.
  public static let noDescriptor: UInt16 = 0xFFFF

  /// The datagram for `message`: header then payload. `version` is 0 for `Hello` and `Refuse`,
  /// which travel before a version is agreed; `descriptorCount` is what travels beside it.
  /// Traps when the payload outgrows a datagram: the batcher keeps every message below it, so
  /// a larger one is a bug in the caller.
  public static func encode(
    _ message: UpgradeMessage, sequence: UInt32, version: UInt16 = version, descriptorCount: Int = 0
  ) -> [UInt8] {
    var payload = UpgradeWireWriter()
    payload.write(message)
    return datagram(
      message.type, payload: payload.bytes, sequence: sequence, version: version, descriptorCount: descriptorCount)
  }

  /// The datagram for a payload already encoded (a batch the batcher filled): header then
  /// `payload`, the same bytes `encode` makes for the message the payload holds.
  public static func datagram(
    _ type: UpgradeMessageType, payload: [UInt8], sequence: UInt32, version: UInt16 = version,
    descriptorCount: Int = 0
  ) -> [UInt8] {
    precondition(payload.count <= maximumPayloadLength, "upgrade payload of \(payload.count) bytes")
    precondition((0...maximumDescriptors).contains(descriptorCount), "\(descriptorCount) descriptors")
    precondition(type.travelsBeforeAgreement || type.introducedIn <= version, "\(type) in wire version \(version)")
    let header = UpgradeWireHeader(
      version: type.travelsBeforeAgreement ? 0 : version, type: type, sequence: sequence,
      payloadLength: UInt32(payload.count), descriptorCount: UInt16(descriptorCount))
    var datagram = UpgradeWireWriter(capacity: headerLength + payload.count)
    datagram.write(header)
    datagram.append(payload)
    return datagram.bytes
  }

  /// Decodes one received datagram, `descriptorCount` being the number of descriptors that
  /// arrived with it. Strict: the header must match the datagram exactly, every descriptor
  /// reference must index the received ones, and the payload must be read to its last byte.
  /// Any other input is an `UpgradeWireError`, never a trap.
  public static func decode(
    _ datagram: some Collection<UInt8>, descriptorCount: Int
  ) throws(UpgradeWireError) -> UpgradeEnvelope {
    let bytes = Array(datagram)
    var reader = UpgradeWireReader(bytes, descriptorCount: 0)
    let header = try reader.readHeader()
    guard Int(header.payloadLength) == reader.remaining else {
      throw .payloadLengthMismatch(announced: header.payloadLength, actual: reader.remaining)
    }
    guard Int(header.descriptorCount) == descriptorCount else {
      throw .descriptorCountMismatch(announced: header.descriptorCount, received: descriptorCount)
    }
    guard header.type.carriesDescriptors || descriptorCount == 0 else {
      throw .unexpectedDescriptors(type: header.type, count: descriptorCount)
    }
    var payload = UpgradeWireReader(bytes[UpgradeWire.headerLength...], descriptorCount: descriptorCount)
    let message = try payload.readMessage(of: header.type)
    try payload.finish()
    return UpgradeEnvelope(header: header, message: message)
  }
}
