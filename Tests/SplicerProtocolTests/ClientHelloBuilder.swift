import SplicerProtocol

/// Builds synthetic ClientHellos field by field, so a test can break exactly one field.
enum ClientHelloBuilder {
  static func u16(_ value: Int) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
  }
  static func u24(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 16)] + u16(value) }

  /// A ClientHello body; `extensions: nil` leaves out the extensions block entirely.
  static func body(
    version: [UInt8] = [3, 3], sessionID: [UInt8] = [UInt8](repeating: 0xAB, count: 32),
    cipherSuites: [UInt8] = [0x13, 0x01, 0x13, 0x02], compression: [UInt8] = [0],
    extensions: [UInt8]? = serverName("example.com")
  ) -> [UInt8] {
    var body = version + [UInt8](repeating: 0x5A, count: 32)
    body += [UInt8(sessionID.count)] + sessionID
    body += u16(cipherSuites.count) + cipherSuites
    body += [UInt8(compression.count)] + compression
    if let extensions { body += u16(extensions.count) + extensions }
    return body
  }

  /// A handshake message: type, 24-bit length, body.
  static func handshake(_ body: [UInt8], type: UInt8 = 1) -> [UInt8] { [type] + u24(body.count) + body }

  static func extensionBlock(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }

  /// A server_name extension holding host_name entries.
  static func serverName(_ names: String...) -> [UInt8] {
    serverNameEntries(names.map { (0, Array($0.utf8)) })
  }

  static func serverNameEntries(_ entries: [(type: UInt8, name: [UInt8])]) -> [UInt8] {
    let list = entries.flatMap { [$0.type] + u16($0.name.count) + $0.name }
    return extensionBlock(0, u16(list.count) + list)
  }

  /// Some extension that is not server_name: supported_versions with TLS 1.3.
  static let supportedVersions = extensionBlock(43, [2, 3, 4])

  /// `message` in handshake records, cut at `cuts` (offsets into the message).
  static func records(_ message: [UInt8], cuts: [Int] = [], version: [UInt8] = [3, 1]) -> [UInt8] {
    var result: [UInt8] = []
    var start = 0
    for end in cuts + [message.count] {
      result += [22] + version + u16(end - start) + message[start..<end]
      start = end
    }
    return result
  }

  static func parse(_ bytes: [UInt8], maximumSize: Int = 16_384) -> ClientHelloParseResult {
    bytes.withUnsafeBytes { ClientHelloParser.parse($0, maximumSize: maximumSize) }
  }

  /// The handshake message inside a capture of records.
  static func message(of records: [UInt8]) -> [UInt8] {
    var message: [UInt8] = []
    var index = 0
    while index + 5 <= records.count {
      let length = Int(records[index + 3]) << 8 | Int(records[index + 4])
      message += records[(index + 5)..<(index + 5 + length)]
      index += 5 + length
    }
    return message
  }
}
