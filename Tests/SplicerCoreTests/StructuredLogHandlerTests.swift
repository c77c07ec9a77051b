import Logging
import XCTest

@testable import SplicerCore

final class StructuredLogHandlerTests: XCTestCase {
  func testJSONLinesEscapeAndSortMetadata() {
    let line = StructuredLogHandler.json(
      level: .info, message: "say \"hi\"\n", metadata: ["z": "1", "a": "tab\there", "ctl": "\u{1}"])
    XCTAssertTrue(line.hasPrefix("{\"time\":\""))
    XCTAssertTrue(
      line.hasSuffix(
        ",\"level\":\"info\",\"message\":\"say \\\"hi\\\"\\n\",\"a\":\"tab\\there\",\"ctl\":\"\\u0001\",\"z\":\"1\"}"),
      line)
  }

  func testLogfmtQuotesOnlyWhenNeeded() {
    let line = StructuredLogHandler.logfmt(
      level: .warning, message: "accept paused", metadata: ["listener": "web", "error": "a=b", "empty": ""])
    XCTAssertTrue(
      line.hasSuffix(" level=warning message=\"accept paused\" empty=\"\" error=\"a=b\" listener=web"), line)
  }

  func testTimestampIsRFC3339UTCWithMilliseconds() {
    let stamp = StructuredLogHandler.timestamp()
    XCTAssertEqual(stamp.count, 24, stamp)
    XCTAssertTrue(stamp.hasSuffix("Z"))
    XCTAssertEqual(Array(stamp)[10], "T")
  }
}
