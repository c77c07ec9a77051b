import Logging
import SplicerConfig
import XCTest

@testable import SplicerLogging

final class StructuredLogHandlerTests: XCTestCase {
  /// 2026-12-06T11:30:05.042Z
  private let time = LogTimestamp(seconds: 1_796_556_605, milliseconds: 42)

  private func text(_ format: LogConfig.Format, _ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata)
    -> String
  {
    String(
      decoding: StructuredLogHandler.line(
        format: format, time: time, level: level, message: message, metadata: metadata), as: UTF8.self)
  }

  func testJSONLines() {
    let cases: [(message: String, metadata: Logger.Metadata, expected: String)] = [
      ("started", [:], #"{"time":"2026-12-06T11:30:05.042Z","level":"info","message":"started"}"#),
      (
        "say \"hi\"\n", ["z": "1", "a": "tab\there", "ctl": "\u{1}\u{1f}", "back": "a\\b\r"],
        #"{"time":"2026-12-06T11:30:05.042Z","level":"info","message":"say \"hi\"\n","a":"tab\there","#
          + #""back":"a\\b\r","ctl":"\u0001\u001f","z":"1"}"#
      ),
      (
        "ünïcödé ✓", ["k": "\u{7f}é"],
        "{\"time\":\"2026-12-06T11:30:05.042Z\",\"level\":\"info\",\"message\":\"ünïcödé ✓\",\"k\":\"\u{7f}é\"}"
      ),
    ]
    for (message, metadata, expected) in cases {
      XCTAssertEqual(text(.json, .info, message, metadata), expected + "\n")
    }
  }

  func testLogfmtQuotesOnlyWhenNeeded() {
    let cases: [(value: String, written: String)] = [
      ("web", "web"),
      ("", #""""#),
      ("a=b", #""a=b""#),
      ("two words", #""two words""#),
      ("say \"x\"", #""say \"x\"""#),
      ("line\nbreak", #""line\nbreak""#),
      ("tab\there", "tab\there"),
      ("next\u{85}line", "\"next\u{85}line\""),
      ("para\u{2029}graph", "\"para\u{2029}graph\""),
      ("é\u{2028}", "\"é\u{2028}\""),
      ("日本", "日本"),
      ("127.0.0.1:80", "127.0.0.1:80"),
    ]
    for (value, written) in cases {
      XCTAssertEqual(
        text(.logfmt, .warning, "accept paused", ["v": .string(value)]),
        "time=2026-12-06T11:30:05.042Z level=warning message=\"accept paused\" v=\(written)\n", value)
    }
  }

  func testTimestampsAreRFC3339UTCWithMilliseconds() {
    let cases: [(seconds: Int, milliseconds: Int, text: String)] = [
      (0, 0, "1970-01-01T00:00:00.000Z"),
      (1_796_556_605, 42, "2026-12-06T11:30:05.042Z"),
      (951_782_399, 999, "2000-02-28T23:59:59.999Z"),
      (951_782_400 + 86_400, 7, "2000-03-01T00:00:00.007Z"),
      (253_402_300_799, 100, "9999-12-31T23:59:59.100Z"),
    ]
    for (seconds, milliseconds, text) in cases {
      XCTAssertEqual(LogTimestamp(seconds: seconds, milliseconds: milliseconds).text, text)
    }
    XCTAssertEqual(LogTimestamp.now().text.count, 24)
  }

  func testNumbersAreWrittenInDecimal() {
    for value: UInt64 in [0, 9, 10, 99, 1_000_000, UInt64.max] {
      var bytes = LogBuffer()
      bytes.appendDecimal(value)
      XCTAssertEqual(String(decoding: bytes.array, as: UTF8.self), "\(value)")
      bytes.free()
    }
  }
}
