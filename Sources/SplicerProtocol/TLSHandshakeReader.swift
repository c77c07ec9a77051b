/// Reads one handshake message from TLS records for `ClientHelloParser`, joining its pieces
/// across consecutive handshake records without copying them.
///
/// Borrows the caller's bytes for one `parse` call and sees at most `maximumSize` of them.
/// `remaining` bounds every read by the handshake message's own length, so a length field
/// inside the message can never make the parser read past the message.
struct TLSHandshakeReader {
  /// Why reading stopped before the message was complete.
  enum Stop: Error {
    case needMore
    case notTLS
    case tooLarge
    case malformed(ClientHelloError)
  }

  static let handshakeContentType: UInt8 = 22
  /// RFC 8446 5.1: a plaintext record carries at most 2^14 bytes.
  static let maximumRecordLength = 1 << 14
  static let recordHeaderLength = 5

  private let bytes: UnsafeRawBufferPointer
  private let maximumSize: Int
  private var position = 0
  private var recordRemaining = 0
  private var recordCount = 0
  /// Bytes of the handshake message not read yet; unbounded until `beginMessage` knows the length.
  private(set) var remaining = Int.max

  init(bytes: UnsafeRawBufferPointer, maximumSize: Int) {
    self.maximumSize = max(0, maximumSize)
    self.bytes = UnsafeRawBufferPointer(rebasing: bytes.prefix(self.maximumSize))
  }

  /// Bounds the reads that follow to a message of `length` bytes, and gives up at once when the
  /// records carrying it cannot fit in `maximumSize`.
  mutating func beginMessage(length: Int) throws(Stop) {
    remaining = length
    let beyondRecord = max(0, length - recordRemaining)
    let moreRecords = (beyondRecord + Self.maximumRecordLength - 1) / Self.maximumRecordLength
    guard position + length + moreRecords * Self.recordHeaderLength <= maximumSize else { throw .tooLarge }
  }

  mutating func uint8() throws(Stop) -> UInt8 {
    guard remaining >= 1 else { throw .malformed(.lengthMismatch) }
    try ensureByte()
    let value = bytes[position]
    position += 1
    recordRemaining -= 1
    remaining -= 1
    return value
  }

  mutating func uint16() throws(Stop) -> Int {
    guard remaining >= 2 else { throw .malformed(.lengthMismatch) }
    let high = try uint8()
    return Int(high) << 8 | Int(try uint8())
  }

  mutating func uint24() throws(Stop) -> Int {
    guard remaining >= 3 else { throw .malformed(.lengthMismatch) }
    let high = try uint8()
    return Int(high) << 16 | (try uint16())
  }

  /// Skips `count` bytes of the message, a record at a time.
  mutating func skip(_ count: Int) throws(Stop) {
    guard count <= remaining else { throw .malformed(.lengthMismatch) }
    var left = count
    while left > 0 {
      try ensureByte()
      let step = min(left, recordRemaining, bytes.count - position)
      position += step
      recordRemaining -= step
      remaining -= step
      left -= step
    }
  }

  /// Makes `bytes[position]` a byte of the current record, reading the next record header first
  /// when the current record is used up.
  private mutating func ensureByte() throws(Stop) {
    if recordRemaining == 0 { try nextRecord() }
    guard position < bytes.count else { throw outOfBytes }
  }

  /// Reads a record header, deciding on each of its bytes as soon as it is there.
  private mutating func nextRecord() throws(Stop) {
    let isFirst = recordCount == 0
    let available = bytes.count - position
    // Anything but a handshake record of TLS 1.x (major version 3) as the first bytes is not TLS
    // at all (SSLv2 hellos start with 0x80); later, it is a broken ClientHello.
    if available >= 1, bytes[position] != Self.handshakeContentType {
      throw isFirst ? .notTLS : .malformed(.unexpectedRecord)
    }
    if available >= 2, bytes[position + 1] != 3 { throw isFirst ? .notTLS : .malformed(.unexpectedRecord) }
    guard available >= Self.recordHeaderLength else { throw outOfBytes }
    let length = Int(bytes[position + 3]) << 8 | Int(bytes[position + 4])
    guard length > 0, length <= Self.maximumRecordLength else { throw .malformed(.recordLength) }
    position += Self.recordHeaderLength
    recordRemaining = length
    recordCount += 1
  }

  /// Out of bytes: more may come, unless the caller's limit is what stopped us.
  private var outOfBytes: Stop { bytes.count >= maximumSize ? .tooLarge : .needMore }
}
