import XCTest

@testable import SplicerConfig

final class RateParserTests: XCTestCase {
  func testValidRates() throws {
    let cases: [(text: String, bytesPerSecond: Int, line: UInt)] = [
      ("8bit/s", 1, #line),
      ("8000bit/s", 1000, #line),
      ("8kbit/s", 1000, #line),
      ("8Kbit/s", 1000, #line),
      ("100Mbit/s", 12_500_000, #line),
      ("100 Mbit/s", 12_500_000, #line),
      ("1Gbit/s", 125_000_000, #line),
      ("1.5Gbit/s", 187_500_000, #line),
      ("0.5Mbit/s", 62_500, #line),
      ("12bit/s", 1, #line),  // 1.5 bytes, rounded down
      ("1B/s", 1, #line),
      ("10kB/s", 10_000, #line),
      ("10KB/s", 10_000, #line),
      ("10MB/s", 10_000_000, #line),
      ("2GB/s", 2_000_000_000, #line),
      ("10KiB/s", 10 << 10, #line),
      ("10MiB/s", 10 << 20, #line),
      ("1.5MiB/s", 1_572_864, #line),
      ("4GiB/s", 4 << 30, #line),
      ("100Gbit/s", 12_500_000_000, #line),  // above 32 bits: the kernel takes 64-bit rates
    ]
    for (text, bytes, line) in cases {
      XCTAssertEqual(try RateParser.parse(text), bytes, text, line: line)
    }
  }

  func testInvalidRates() {
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected a rate", #line),
      ("Mbit/s", "expected a rate", #line),
      ("-1Mbit/s", "must not be negative", #line),
      ("0Mbit/s", "must be greater than 0", #line),
      ("0.0MB/s", "must be greater than 0", #line),
      ("7bit/s", "below 1 byte per second", #line),
      ("100", "needs a unit", #line),
      ("100Mbit", "unknown rate unit 'Mbit' in '100Mbit' (did you mean 'Mbit/s'?)", #line),
      ("100mbit/s", "did you mean 'Mbit/s'?", #line),
      ("100Mbps", "unknown rate unit 'Mbps' in '100Mbps' (did you mean 'Mbit/s'?)", #line),
      ("100kbps", "did you mean 'kbit/s'?", #line),
      ("10MiB", "did you mean 'MiB/s'?", #line),
      ("5 furlongs/s", "use bit/s, kbit/s, Mbit/s", #line),
      ("1.0000000001Gbit/s", "too many decimals", #line),
      ("99999999999999999999B/s", "too large", #line),
      ("9999999999999GiB/s", "too large", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try RateParser.parse(text), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.contains(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }

  func testFormatPicksAnExactUnit() {
    let cases: [(bytesPerSecond: Int, text: String, line: UInt)] = [
      (12_500_000, "100Mbit/s", #line),
      (125_000_000, "1Gbit/s", #line),
      (125, "1kbit/s", #line),
      (1 << 20, "1MiB/s", #line),
      (10 << 10, "10KiB/s", #line),
      (1, "1B/s", #line),
    ]
    for (bytes, text, line) in cases {
      XCTAssertEqual(RateParser.format(bytes), text, line: line)
      XCTAssertEqual(try RateParser.parse(text), bytes, "round trip of \(text)", line: line)
    }
  }
}
