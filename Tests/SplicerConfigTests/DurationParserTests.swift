import XCTest

@testable import SplicerConfig

final class DurationParserTests: XCTestCase {
  func testValidDurations() throws {
    let cases: [(text: String, expected: Duration, line: UInt)] = [
      ("250ms", .milliseconds(250), #line),
      ("5s", .seconds(5), #line),
      ("1m", .seconds(60), #line),
      ("2h", .seconds(7200), #line),
      ("1m30s", .seconds(90), #line),
      ("1h0m1s", .seconds(3601), #line),
      ("1s500ms", .milliseconds(1500), #line),
      ("0s1ms", .milliseconds(1), #line),
      ("90s", .seconds(90), #line),
    ]
    for (text, expected, line) in cases {
      XCTAssertEqual(try DurationParser.parse(text), expected, text, line: line)
    }
  }

  func testInvalidDurations() {
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected a duration", #line),
      ("0", "must be greater than 0", #line),
      ("0s", "must be greater than 0", #line),
      ("-5s", "must be greater than 0", #line),
      ("5", "missing unit in '5'", #line),
      ("1m30", "missing unit after '30'", #line),
      ("5sec", "unknown unit 'sec'", #line),
      ("5d", "unknown unit 'd'", #line),
      ("1.5s", "fractions are not supported", #line),
      ("30s1m", "largest to smallest", #line),
      ("1s1s", "largest to smallest", #line),
      ("1m 30s", "unexpected ' '", #line),
      ("ms", "is not a duration", #line),
      ("99999999999999999999h", "too large", #line),
      ("9999999999999999h", "too large", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try DurationParser.parse(text), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.contains(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }
}
