import XCTest

@testable import SplicerConfig

final class SizeParserTests: XCTestCase {
  func testValidSizes() throws {
    let cases: [(text: String, bytes: Int, line: UInt)] = [
      ("4096", 4096, #line),
      ("0", 0, #line),
      ("64KiB", 65536, #line),
      ("64k", 65536, #line),
      ("64K", 65536, #line),
      ("1MiB", 1 << 20, #line),
      ("1m", 1 << 20, #line),
      ("16M", 16 << 20, #line),
      ("2 MiB", 2 << 20, #line),
      ("1GiB", 1 << 30, #line),
      ("100B", 100, #line),
    ]
    for (text, bytes, line) in cases {
      XCTAssertEqual(try SizeParser.parse(text), bytes, text, line: line)
    }
  }

  func testInvalidSizes() {
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected a size", #line),
      ("KiB", "expected a size", #line),
      ("-1", "must not be negative", #line),
      ("64KB", "unknown size unit 'KB'", #line),
      ("1MB", "unknown size unit 'MB'", #line),
      ("1.5MiB", "fractions are not supported", #line),
      ("0x1000", "unknown size unit 'x1000'", #line),
      ("99999999999999999999", "too large", #line),
      ("9999999999999999GiB", "too large", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try SizeParser.parse(text), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.contains(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }

  func testFormatPicksTheLargestExactUnit() {
    let cases: [(bytes: Int, text: String)] = [
      (1 << 20, "1MiB"), (16 << 20, "16MiB"), (4096, "4KiB"), (1536 << 10, "1536KiB"), (1000, "1000"),
      (0, "0"),
    ]
    for (bytes, text) in cases {
      XCTAssertEqual(SizeParser.format(bytes), text)
    }
  }
}
