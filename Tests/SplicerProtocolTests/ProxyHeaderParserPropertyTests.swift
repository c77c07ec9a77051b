import SplicerProtocol
import XCTest

@testable import SplicerRouting

/// Properties that must hold for any bytes, checked on seeded random mutations of valid headers:
/// no trap, and a verdict on a prefix is never contradicted by more bytes.
final class ProxyHeaderParserPropertyTests: XCTestCase {
  typealias Support = ProxyHeaderTestSupport

  func testVerdictsOnPrefixesAreFinal() {
    let seeds: [[UInt8]] =
      ProxyHeaderV2ParserTests.validCases.map(\.header) + [
        Array("PROXY TCP4 192.0.2.1 198.51.100.2 51234 443\r\n".utf8),
        Array("PROXY TCP6 2001:db8::1 ::1 1 2\r\n".utf8), Array("PROXY UNKNOWN x\r\n".utf8),
      ]
    var random = SplitMix64(seed: 0x5EED)
    for round in 0..<3_000 {
      var bytes = seeds[round % seeds.count]
      for _ in 0..<Int.random(in: 0...3, using: &random) {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        case 1: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
        default:
          bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
        }
      }
      bytes += (0..<Int.random(in: 0...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
      assertFinalVerdicts(bytes, "round \(round): \(bytes)")
    }
  }

  private func assertFinalVerdicts(_ bytes: [UInt8], _ message: String) {
    var decided: ProxyHeaderParseResult?
    for count in 0...bytes.count {
      let result = Support.parse(Array(bytes[..<count]))
      if let decided {
        XCTAssertEqual(result, decided, "\(message) at \(count)")
        if result != decided { return }
      } else if result != .needMore {
        decided = result
        if case .complete(_, let length) = result { XCTAssertEqual(length, count, message) }
      }
    }
  }
}
