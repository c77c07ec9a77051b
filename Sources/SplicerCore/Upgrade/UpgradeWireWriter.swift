/// Appends the wire's primitive fields to a byte array, little-endian (design §4.2): integers,
/// `u16 length + UTF-8` strings, ages as nanoseconds with `UInt64.max` for none, descriptor
/// references as `u16` with 0xFFFF for none. The record and message encoders are its
/// extensions, one file per record.
///
/// Writing cannot fail: a value that does not fit its field (a string over 65535 bytes, more
/// than 65535 records) is a bug in whoever built it, and traps.
public struct UpgradeWireWriter: Sendable {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  /// A writer with room for `capacity` bytes before it grows (a batch's data limit, say).
  public init(capacity: Int) {
    bytes.reserveCapacity(capacity)
  }

  public mutating func append(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

  public mutating func write(_ value: UInt8) { bytes.append(value) }

  // Integers go in whole, as their little-endian bytes: one copy instead of a call per byte.
  public mutating func write(_ value: UInt16) { appendLittleEndian(value) }

  public mutating func write(_ value: UInt32) { appendLittleEndian(value) }

  public mutating func write(_ value: UInt64) { appendLittleEndian(value) }

  private mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// Replaces the `u16` at `offset` (a count written before the elements it counts were).
  mutating func overwrite(_ value: UInt16, at offset: Int) {
    bytes[offset] = UInt8(truncatingIfNeeded: value)
    bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
  }

  public mutating func write(_ value: Int32) { write(UInt32(bitPattern: value)) }

  public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

  /// `u16 length + UTF-8`.
  public mutating func write(_ text: String) {
    writeCount(text.utf8.count)
    bytes.append(contentsOf: text.utf8)
  }

  /// A string or none: a presence byte, then the string.
  public mutating func writeOptional(_ text: String?) {
    write(text != nil)
    if let text { write(text) }
  }

  /// `u32 length + bytes`.
  public mutating func writeBlob(_ blob: [UInt8]) {
    write(UInt32(blob.count))
    append(blob)
  }

  /// A duration or age in nanoseconds; none is `UInt64.max`.
  public mutating func writeNanoseconds(_ value: UInt64?) {
    precondition(value != UInt64.max, "UInt64.max nanoseconds means none on the wire")
    write(value ?? UInt64.max)
  }

  /// A descriptor reference into the message's descriptors; none is 0xFFFF.
  public mutating func writeDescriptor(_ index: UInt16?) {
    precondition(index != UpgradeWire.noDescriptor, "0xFFFF means no descriptor on the wire")
    write(index ?? UpgradeWire.noDescriptor)
  }

  /// A `u16` element count.
  public mutating func writeCount(_ count: Int) {
    precondition((0...Int(UInt16.max)).contains(count), "count \(count) does not fit a u16")
    write(UInt16(count))
  }

  /// The 20-byte header.
  public mutating func write(_ header: UpgradeWireHeader) {
    append(UpgradeWire.magic)
    write(header.version)
    write(header.type.rawValue)
    write(header.sequence)
    write(header.payloadLength)
    write(header.descriptorCount)
    write(UInt16(0))
  }
}
