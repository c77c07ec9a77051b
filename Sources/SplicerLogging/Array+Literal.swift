extension [UInt8] {
  /// Appends a literal's UTF-8 bytes with one copy; appending `"…".utf8` walks a `String`
  /// view byte by byte, which the access log felt.
  @inlinable
  mutating func append(literal text: StaticString) {
    append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }
}

extension [UInt8] {
  /// Appends a string's UTF-8 with one copy where its storage is contiguous (native strings).
  @inlinable
  mutating func append(utf8 text: String) {
    let done: Void? = text.utf8.withContiguousStorageIfAvailable { append(contentsOf: $0) }
    if done == nil { append(contentsOf: text.utf8) }
  }
}
