/// Finds the server name (SNI) in the TLS ClientHello a client sends first, from bytes the
/// relay peeked (MSG_PEEK) and so leaves in the socket for the backend.
///
/// Stateless, like `ProxyHeaderParser`: call `parse` with everything peeked so far until the
/// answer is not `.needMore`. Every prefix of a valid ClientHello is `.needMore`; bytes that are
/// not a TLS handshake are `.notTLS` on the first byte that shows it, and a broken length is
/// `.malformed` as soon as it is read. The ClientHello may span several handshake records; the
/// whole of it must fit in `maximumSize` bytes, records included, and is walked to its end (so a
/// result never depends on how much was read): `.tooLarge` as soon as its length shows it won't.
///
/// Cost: one pass over at most `maximumSize` bytes, O(n), no copying of the message; the only
/// allocation is the returned name. Any input is safe: the parser is driven by a fuzzer.
public enum ClientHelloParser {
  static let clientHelloType: UInt8 = 1
  static let serverNameExtension = 0
  static let hostNameType: UInt8 = 0

  /// Decides what `bytes`, the first bytes of a connection, hold. See the type's documentation.
  public static func parse(_ bytes: UnsafeRawBufferPointer, maximumSize: Int) -> ClientHelloParseResult {
    var reader = TLSHandshakeReader(bytes: bytes, maximumSize: maximumSize)
    do throws(TLSHandshakeReader.Stop) {
      return try walk(&reader)
    } catch {
      switch error {
      case .needMore: return .needMore
      case .notTLS: return .notTLS
      case .tooLarge: return .tooLarge
      case .malformed(let reason): return .malformed(reason)
      }
    }
  }

  /// Walks the ClientHello of RFC 8446 4.1.2 (and of TLS 1.0–1.2, which it extends).
  private static func walk(_ reader: inout TLSHandshakeReader) throws(TLSHandshakeReader.Stop) -> ClientHelloParseResult
  {
    guard try reader.uint8() == clientHelloType else { throw .malformed(.notClientHello) }
    try reader.beginMessage(length: try reader.uint24())
    guard try reader.uint16() >> 8 == 3 else { throw .malformed(.legacyVersion) }
    try reader.skip(32)  // random
    let sessionIDLength = Int(try reader.uint8())
    guard sessionIDLength <= 32 else { throw .malformed(.sessionID) }
    try reader.skip(sessionIDLength)
    let cipherSuitesLength = try reader.uint16()
    guard cipherSuitesLength >= 2, cipherSuitesLength % 2 == 0 else { throw .malformed(.cipherSuites) }
    try reader.skip(cipherSuitesLength)
    let compressionMethodsLength = Int(try reader.uint8())
    guard compressionMethodsLength >= 1 else { throw .malformed(.compressionMethods) }
    try reader.skip(compressionMethodsLength)
    // TLS 1.0–1.2 clients may end here, without an extensions block.
    guard reader.remaining > 0 else { return .noServerName }
    let extensionsLength = try reader.uint16()
    guard extensionsLength == reader.remaining else { throw .malformed(.extensionsLength) }
    var sawServerName = false
    var serverName: String?
    while reader.remaining > 0 {
      let type = try reader.uint16()
      let length = try reader.uint16()
      guard length <= reader.remaining else { throw .malformed(.lengthMismatch) }
      guard type == serverNameExtension else {
        try reader.skip(length)
        continue
      }
      // RFC 8446 4.2: no extension type may appear twice.
      guard !sawServerName else { throw .malformed(.duplicateServerName) }
      sawServerName = true
      serverName = try readServerNameList(&reader, length: length)
    }
    return serverName.map(ClientHelloParseResult.serverName) ?? .noServerName
  }

  /// Reads a server_name extension body (RFC 6066 3) of `length` bytes; the host_name in it,
  /// if any.
  private static func readServerNameList(
    _ reader: inout TLSHandshakeReader, length: Int
  ) throws(TLSHandshakeReader.Stop) -> String? {
    let end = reader.remaining - length
    guard length >= 2 else { throw .malformed(.serverNameList) }
    let listLength = try reader.uint16()
    guard listLength > 0, listLength == length - 2 else { throw .malformed(.serverNameList) }
    var hostName: String?
    while reader.remaining > end {
      // Each entry is a type byte and a 16-bit length, whatever its type.
      guard reader.remaining - end >= 3 else { throw .malformed(.serverNameList) }
      let type = try reader.uint8()
      let nameLength = try reader.uint16()
      guard nameLength <= reader.remaining - end else { throw .malformed(.serverNameList) }
      guard type == hostNameType else {
        try reader.skip(nameLength)
        continue
      }
      guard hostName == nil else { throw .malformed(.duplicateServerName) }
      hostName = try readHostName(&reader, length: nameLength)
    }
    return hostName
  }

  /// Reads a host_name of `length` bytes, lowercased and without its trailing dot.
  private static func readHostName(
    _ reader: inout TLSHandshakeReader, length: Int
  ) throws(TLSHandshakeReader.Stop) -> String {
    // 253 bytes of name and a trailing dot.
    guard (1...HostName.maximumLength + 1).contains(length) else { throw .malformed(.invalidServerName) }
    var stop: TLSHandshakeReader.Stop?
    var name = String(unsafeUninitializedCapacity: length) { buffer in
      for index in 0..<length {
        do throws(TLSHandshakeReader.Stop) {
          buffer[index] = HostName.lowercased(try reader.uint8())
        } catch {
          stop = error
          return 0
        }
      }
      return length
    }
    if let stop { throw stop }
    if name.utf8.last == UInt8(ascii: ".") { name.removeLast() }
    guard HostName.isValid(name.utf8) else { throw .malformed(.invalidServerName) }
    return name
  }
}
