import SplicerProtocol
import SplicerSystem

/// Helpers shared by the PROXY protocol tests: parsing from arrays and building v2 headers.
enum ProxyHeaderTestSupport {
  static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

  static func parse(_ bytes: [UInt8]) -> ProxyHeaderParseResult {
    bytes.withUnsafeBytes { ProxyHeaderParser.parse($0) }
  }

  static func parse(_ text: String) -> ProxyHeaderParseResult { parse(Array(text.utf8)) }

  /// A v2 header: version/command byte, family/transport byte, then `payload` with its length.
  static func v2(_ versionCommand: UInt8, _ family: UInt8, _ payload: [UInt8]) -> [UInt8] {
    v2Signature + [versionCommand, family, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
  }

  static func proxied(_ source: String, _ sourcePort: UInt16, _ destination: String, _ destinationPort: UInt16)
    -> ProxyHeader.Addresses
  {
    .proxied(
      source: SocketAddress(ip: source, port: sourcePort)!,
      destination: SocketAddress(ip: destination, port: destinationPort)!)
  }

}
