import Glibc

/// The bytes of log lines being written: a growable block of memory with a write position.
///
/// Appending to `[UInt8]` costs tens of instructions per call (uniqueness and capacity checks,
/// generic paths), which callgrind showed to be most of an access line's cost; here an append
/// is a bounds check and a store or a `memcpy`. A plain value holding a pointer: whoever makes
/// one calls `free()` once (the worker's `AccessLog` in its deinit), and copies are not made.
public struct LogBuffer {
  private var base: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  public private(set) var count = 0

  public init(capacity: Int = 512) {
    self.capacity = max(16, capacity)
    base = .allocate(capacity: self.capacity)
  }

  public func free() { base.deallocate() }

  /// The bytes written so far, valid until the next change.
  public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  public var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

  public mutating func removeAll() { count = 0 }

  public mutating func append(_ byte: UInt8) {
    if count == capacity { grow(toHold: 1) }
    base[count] = byte
    count += 1
  }

  public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress, bytes.count > 0 else { return }
    if capacity - count < bytes.count { grow(toHold: bytes.count) }
    (base + count).update(from: source, count: bytes.count)
    count += bytes.count
  }

  /// A literal's UTF-8, copied whole.
  public mutating func append(literal text: StaticString) {
    append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  /// A string's UTF-8, copied whole where its storage is contiguous (native strings).
  public mutating func append(utf8 text: String) {
    var text = text
    text.withUTF8 { append($0) }
  }

  /// `value` in decimal, zero-padded to at least `minimumWidth` digits.
  public mutating func appendDecimal(_ value: UInt64, minimumWidth: Int = 1) {
    var divisor: UInt64 = 1
    var width = 1
    while width < minimumWidth || divisor <= value / 10 {
      divisor *= 10
      width += 1
    }
    if capacity - count < width { grow(toHold: width) }
    var rest = value
    while divisor > 0 {
      base[count] = UInt8(ascii: "0") + UInt8(rest / divisor)
      count += 1
      rest %= divisor
      divisor /= 10
    }
  }

  mutating func grow(toHold extra: Int) {
    var newCapacity = capacity * 2
    while newCapacity - count < extra { newCapacity *= 2 }
    let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBase.update(from: base, count: count)
    base.deallocate()
    base = newBase
    capacity = newCapacity
  }
}
