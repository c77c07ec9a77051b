import Glibc

/// Walks a PROXY v1 line field by field for `ProxyHeaderParser`, deciding at each byte whether
/// the line so far can still become valid.
///
/// Borrows the caller's bytes for one `parse` call. The grammar is the spec's, read strictly:
/// single spaces, CRLF only at the end, at most 107 bytes. Ports are decimal 0–65535 with no sign
/// and no leading zero ("0" itself is fine), because a sender that pads ports is not one we know.
struct ProxyV1LineScanner {
  /// Why scanning stopped before the line was complete.
  enum Stop: Error {
    case needMore
    case invalid(ProxyHeaderError)
  }

  /// The fields of a v1 line; each knows its characters, its longest form and its error.
  enum Field {
    case protocolWord
    case address
    case port

    var maximumLength: Int {
      switch self {
      case .protocolWord: 7  // UNKNOWN
      case .address: 45  // INET6_ADDRSTRLEN - 1, an IPv6 address with an embedded IPv4 one
      case .port: 5
      }
    }

    var error: ProxyHeaderError {
      switch self {
      case .protocolWord: .v1BadProtocol
      case .address: .v1BadAddress
      case .port: .v1BadPort
      }
    }

    func allows(_ byte: UInt8) -> Bool {
      switch self {
      case .protocolWord:
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      case .address:
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
          || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte) || byte == UInt8(ascii: ".")
          || byte == UInt8(ascii: ":")
      case .port:
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
      }
    }
  }

  /// An address inet_pton accepted, in network order.
  enum IPAddress {
    case v4(in_addr)
    case v6(in6_addr)
  }

  static let space = UInt8(ascii: " ")
  static let carriageReturn = UInt8(ascii: "\r")
  static let lineFeed = UInt8(ascii: "\n")

  private let bytes: UnsafeRawBufferPointer
  /// The next byte to look at; once the line is complete, its length.
  private(set) var position: Int

  init(bytes: UnsafeRawBufferPointer, position: Int) {
    self.bytes = bytes
    self.position = position
  }

  /// Reads one field and the space or CRLF after it; `endsLine` says which.
  mutating func read(_ field: Field) throws(Stop) -> (range: Range<Int>, endsLine: Bool) {
    let start = position
    while true {
      let byte = try nextByte()
      switch byte {
      case Self.space, Self.carriageReturn:
        // An empty field is a doubled space, or a space or CR where a field should start.
        guard position > start else { throw .invalid(.v1BadSyntax) }
        let range = start..<position
        position += 1
        if byte == Self.carriageReturn {
          try expectLineFeed()
          return (range, true)
        }
        return (range, false)
      case Self.lineFeed:
        throw .invalid(.v1BadSyntax)
      default:
        guard field.allows(byte), position - start < field.maximumLength else { throw .invalid(field.error) }
        position += 1
      }
    }
  }

  /// Skips whatever follows `UNKNOWN ` up to and including the CRLF.
  mutating func skipToLineEnd() throws(Stop) {
    while true {
      let byte = try nextByte()
      position += 1
      if byte == Self.lineFeed { throw .invalid(.v1BadSyntax) }
      if byte == Self.carriageReturn {
        try expectLineFeed()
        return
      }
    }
  }

  /// The byte at `position`, or why there is none to look at.
  private func nextByte() throws(Stop) -> UInt8 {
    guard position < ProxyHeaderParser.maximumV1Length else { throw .invalid(.v1TooLong) }
    guard position < bytes.count else { throw .needMore }
    return bytes[position]
  }

  private mutating func expectLineFeed() throws(Stop) {
    guard try nextByte() == Self.lineFeed else { throw .invalid(.v1BadSyntax) }
    position += 1
  }

  /// Whether `range` holds exactly `word`.
  func holds(_ range: Range<Int>, _ word: StaticString) -> Bool {
    range.count == word.utf8CodeUnitCount
      && (0..<range.count).allSatisfy { bytes[range.lowerBound + $0] == word.utf8Start[$0] }
  }

  /// Whether the bytes in `range` could begin `word`.
  func couldBegin(_ range: Range<Int>, _ word: StaticString) -> Bool {
    range.count <= word.utf8CodeUnitCount
      && (0..<range.count).allSatisfy { bytes[range.lowerBound + $0] == word.utf8Start[$0] }
  }

  /// The bytes from `start` up to the first space or CR, and whether there was one.
  func pendingField(from start: Int) -> (range: Range<Int>, isComplete: Bool) {
    let end = bytes[start...].firstIndex { $0 == Self.space || $0 == Self.carriageReturn }
    return (start..<(end ?? bytes.count), end != nil)
  }

  /// Parses the address in `range` as `family`; the error tells a malformed address from one
  /// of the other family.
  func address(_ range: Range<Int>, family: Int32) throws(Stop) -> IPAddress {
    if let parsed = presentation(range, family: family) { return parsed }
    let otherFamily = family == AF_INET ? AF_INET6 : AF_INET
    throw .invalid(presentation(range, family: otherFamily) == nil ? .v1BadAddress : .v1FamilyMismatch)
  }

  /// inet_pton on the bytes in `range` (at most `Field.address.maximumLength` of them).
  private func presentation(_ range: Range<Int>, family: Int32) -> IPAddress? {
    // A NUL-terminated copy on the stack, since inet_pton wants a C string.
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: Field.address.maximumLength + 1) { text in
      for (offset, index) in range.enumerated() { text[offset] = CChar(bitPattern: bytes[index]) }
      text[range.count] = 0
      if family == AF_INET {
        var address = in_addr()
        return inet_pton(AF_INET, text.baseAddress, &address) == 1 ? .v4(address) : nil
      }
      var address = in6_addr()
      return inet_pton(AF_INET6, text.baseAddress, &address) == 1 ? .v6(address) : nil
    }
  }

  /// The decimal port in `range`: no leading zero, at most 65535.
  func port(_ range: Range<Int>) throws(Stop) -> UInt16 {
    if range.count > 1, bytes[range.lowerBound] == UInt8(ascii: "0") { throw .invalid(.v1BadPort) }
    var value = 0
    for index in range { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
    guard value <= Int(UInt16.max) else { throw .invalid(.v1BadPort) }
    return UInt16(value)
  }
}
