/// Builds synthetic TLS ClientHellos field by field, so a test can break exactly one field; the
/// protocol tests feed them to the parser, the integration tests send them through the relay.
public enum ClientHelloBuilder {
  public static func u16(_ value: Int) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
  }
  public static func u24(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 16)] + u16(value) }

  /// A ClientHello body; `extensions: nil` leaves out the extensions block entirely.
  public static func body(
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
  public static func handshake(_ body: [UInt8], type: UInt8 = 1) -> [UInt8] { [type] + u24(body.count) + body }

  public static func extensionBlock(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }

  /// A server_name extension holding host_name entries.
  public static func serverName(_ names: String...) -> [UInt8] {
    serverNameEntries(names.map { (0, Array($0.utf8)) })
  }

  public static func serverNameEntries(_ entries: [(type: UInt8, name: [UInt8])]) -> [UInt8] {
    let list = entries.flatMap { [$0.type] + u16($0.name.count) + $0.name }
    return extensionBlock(0, u16(list.count) + list)
  }

  /// Some extension that is not server_name: supported_versions with TLS 1.3.
  public static let supportedVersions = extensionBlock(43, [2, 3, 4])

  /// A whole, valid ClientHello carrying `name` in server_name, in one handshake record.
  public static func clientHello(serverName name: String) -> [UInt8] {
    records(handshake(body(extensions: serverName(name))))
  }

  /// `message` in handshake records, cut at `cuts` (offsets into the message).
  public static func records(_ message: [UInt8], cuts: [Int] = [], version: [UInt8] = [3, 1]) -> [UInt8] {
    var result: [UInt8] = []
    var start = 0
    for end in cuts + [message.count] {
      result += [22] + version + u16(end - start) + message[start..<end]
      start = end
    }
    return result
  }

  /// The handshake message inside a capture of records.
  public static func message(of records: [UInt8]) -> [UInt8] {
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
