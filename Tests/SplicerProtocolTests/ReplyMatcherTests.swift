import SplicerProtocol
import XCTest

/// Table-driven: each row is a reply as bytes arrived so far and what the health check must
/// read from it.
final class ReplyMatcherTests: XCTestCase {
  func testContains() {
    let cases: [(reply: String, expect: String, contains: Bool, why: String)] = [
      ("+PONG\r\n", "+PONG", true, "at the start"),
      ("xx+PONG", "+PONG", true, "after other bytes"),
      ("aab", "ab", true, "after a false start"),
      ("-ERR\r\n", "+PONG", false, "another reply"),
      ("+PON", "+PONG", false, "not all of it yet"),
      ("", "a", false, "nothing arrived"),
      ("abc", "", true, "an empty expectation matches anything"),
      ("", "", true, "an empty expectation matches nothing arrived"),
    ]
    for row in cases {
      XCTAssertEqual(
        ReplyMatcher.contains(Array(row.reply.utf8), Array(row.expect.utf8)), row.contains,
        "\(row.why): \(row.reply.debugDescription) / \(row.expect.debugDescription)")
    }
  }

  func testHTTPStatusLine() {
    let cases: [(reply: String, status: Int?, why: String)] = [
      ("HTTP/1.1 200 OK\r\n", 200, "CRLF"),
      ("HTTP/1.0 503 Service Unavailable\r\n", 503, "HTTP/1.0"),
      ("HTTP/1.1 204\r\n", 204, "no reason phrase"),
      ("HTTP/1.1 301 Moved\n", 301, "bare LF"),
      ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "headers after the line"),
      ("HTTP/1.1 200 OK", nil, "line not complete yet"),
      ("", nil, "nothing arrived"),
      ("SSH-2.0-OpenSSH\r\n", nil, "not HTTP"),
      ("HTTP/1.1 2000 OK\r\n", nil, "four digits"),
      ("HTTP/1.1 099 X\r\n", nil, "below 100"),
      ("HTTP/1.1 600 X\r\n", nil, "above 599"),
      ("HTTP/1.1 20x OK\r\n", nil, "not a number"),
      ("HTTP/2 200\r\n", nil, "not HTTP/1.x"),
      ("HTTP/1.1\r\n", nil, "no status"),
    ]
    for row in cases {
      XCTAssertEqual(
        ReplyMatcher.httpStatus(Array(row.reply.utf8)), row.status, "\(row.why): \(row.reply.debugDescription)")
    }
  }
}
