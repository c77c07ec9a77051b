import SplicerProtocol
import SplicerTestSupport

extension ClientHelloBuilder {
  static func parse(_ bytes: [UInt8], maximumSize: Int = 16_384) -> ClientHelloParseResult {
    bytes.withUnsafeBytes { ClientHelloParser.parse($0, maximumSize: maximumSize) }
  }
}
