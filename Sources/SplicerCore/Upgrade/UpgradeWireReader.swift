/// Reads the wire's primitive fields from one received message, strictly: every read checks
/// the bytes left first and fails with `UpgradeWireError.truncated`, every descriptor
/// reference is checked against the descriptors that arrived, and `finish()` rejects trailing
/// bytes. The record and message decoders are its extensions, one file per record.
///
/// Nothing here allocates by a count before the bytes for it are known to be there, so a
/// hostile count or length costs an error, not memory.
public struct UpgradeWireReader: Sendable {
  private let bytes: ArraySlice<UInt8>
  private var position: Int
  /// Descriptors received with the message; references must be below.
  public let descriptorCount: Int

  public init(_ bytes: ArraySlice<UInt8>, descriptorCount: Int) {
    self.bytes = bytes
    self.position = bytes.startIndex
    self.descriptorCount = descriptorCount
  }

  public init(_ bytes: [UInt8], descriptorCount: Int) {
    self.init(bytes[...], descriptorCount: descriptorCount)
  }

  public var remaining: Int { bytes.endIndex - position }

  /// Fails unless every byte was read.
  public func finish() throws(UpgradeWireError) {
    guard remaining == 0 else { throw .trailingBytes(count: remaining) }
  }

  public mutating func take(_ count: Int, _ field: String) throws(UpgradeWireError) -> ArraySlice<UInt8> {
    guard count >= 0, count <= remaining else { throw .truncated(field: field) }
    defer { position += count }
    return bytes[position..<position + count]
  }

  private mutating func integer(_ size: Int, _ field: String) throws(UpgradeWireError) -> UInt64 {
    let raw = try take(size, field)
    var value: UInt64 = 0
    for (shift, byte) in raw.enumerated() { value |= UInt64(byte) << UInt64(8 * shift) }
    return value
  }

  public mutating func u8(_ field: String) throws(UpgradeWireError) -> UInt8 {
    UInt8(try integer(1, field))
  }

  public mutating func u16(_ field: String) throws(UpgradeWireError) -> UInt16 {
    UInt16(try integer(2, field))
  }

  public mutating func u32(_ field: String) throws(UpgradeWireError) -> UInt32 {
    UInt32(try integer(4, field))
  }

  public mutating func u64(_ field: String) throws(UpgradeWireError) -> UInt64 {
    try integer(8, field)
  }

  public mutating func i32(_ field: String) throws(UpgradeWireError) -> Int32 {
    Int32(bitPattern: try u32(field))
  }

  /// 0 or 1; anything else is an unknown tag.
  public mutating func bool(_ field: String) throws(UpgradeWireError) -> Bool {
    switch try u8(field) {
    case 0: return false
    case 1: return true
    case let other: throw .unknownTag(field: field, value: UInt64(other))
    }
  }

  /// `u16 length + UTF-8`, at most `limit` bytes.
  public mutating func string(_ field: String, limit: Int = Int(UInt16.max)) throws(UpgradeWireError) -> String {
    let length = try u16(field)
    guard Int(length) <= limit else {
      throw .outOfRange(field: field, value: UInt64(length), limit: UInt64(limit))
    }
    let raw = try take(Int(length), field)
    guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidText(field: field) }
    return text
  }

  public mutating func optionalString(_ field: String) throws(UpgradeWireError) -> String? {
    try bool(field) ? try string(field) : nil
  }

  /// `u32 length + bytes`, at most `limit` bytes.
  public mutating func blob(_ field: String, limit: Int = UpgradeWire.maximumPayloadLength) throws(UpgradeWireError)
    -> [UInt8]
  {
    let length = try u32(field)
    guard length <= UInt32(limit) else {
      throw .outOfRange(field: field, value: UInt64(length), limit: UInt64(limit))
    }
    return Array(try take(Int(length), field))
  }

  /// Nanoseconds; `UInt64.max` is none.
  public mutating func nanoseconds(_ field: String) throws(UpgradeWireError) -> UInt64? {
    let value = try u64(field)
    return value == UInt64.max ? nil : value
  }

  /// A descriptor reference that must index a received descriptor; 0xFFFF is none.
  public mutating func optionalDescriptor(_ field: String) throws(UpgradeWireError) -> UInt16? {
    let index = try u16(field)
    if index == UpgradeWire.noDescriptor { return nil }
    guard Int(index) < descriptorCount else { throw .descriptorOutOfRange(index: index, count: descriptorCount) }
    return index
  }

  /// A descriptor reference that must be there.
  public mutating func descriptor(_ field: String) throws(UpgradeWireError) -> UInt16 {
    guard let index = try optionalDescriptor(field) else { throw .inconsistent("\(field) refers to no descriptor") }
    return index
  }

  /// A `u16` element count, at most `limit`.
  public mutating func count(_ field: String, limit: Int) throws(UpgradeWireError) -> Int {
    let count = try u16(field)
    guard Int(count) <= limit else { throw .outOfRange(field: field, value: UInt64(count), limit: UInt64(limit)) }
    return Int(count)
  }

  /// The 20-byte header, checked on its own: magic, a known type, a version this binary speaks
  /// and that has the type (0 before agreement), the payload and descriptor bounds, reserved 0.
  public mutating func readHeader() throws(UpgradeWireError) -> UpgradeWireHeader {
    guard Array(try take(4, "magic")) == UpgradeWire.magic else { throw .badMagic }
    let version = try u16("version")
    let rawType = try u16("message type")
    guard let type = UpgradeMessageType(rawValue: rawType) else { throw .unknownMessageType(rawType) }
    // A type is read only in the versions that have it: strict per version, so a peer that
    // agreed on an older layout cannot slip in a newer message.
    let expected =
      type.travelsBeforeAgreement ? 0...0 : max(UpgradeWire.oldestSupported, type.introducedIn)...UpgradeWire.version
    guard expected.contains(version) else { throw .unsupportedVersion(version, type: type) }
    let sequence = try u32("sequence")
    let payloadLength = try u32("payload length")
    guard payloadLength <= UInt32(UpgradeWire.maximumPayloadLength) else {
      throw .outOfRange(
        field: "payload length", value: UInt64(payloadLength), limit: UInt64(UpgradeWire.maximumPayloadLength))
    }
    let descriptors = try u16("descriptor count")
    guard descriptors <= UInt16(UpgradeWire.maximumDescriptors) else {
      throw .outOfRange(
        field: "descriptor count", value: UInt64(descriptors), limit: UInt64(UpgradeWire.maximumDescriptors))
    }
    guard try u16("reserved") == 0 else { throw .reservedNotZero }
    return UpgradeWireHeader(
      version: version, type: type, sequence: sequence, payloadLength: payloadLength, descriptorCount: descriptors)
  }
}
