import XCTest

@testable import SplicerCore

final class ReplyMatcherTests: XCTestCase {
  func testContains() {
    let cases: [(String, String, Bool)] = [
      ("+PONG\r\n", "+PONG", true), ("-ERR\r\n", "+PONG", false), ("xx+PONG", "+PONG", true), ("+PON", "+PONG", false),
      ("", "a", false), ("abc", "", true), ("aab", "ab", true),
    ]
    for (haystack, needle, expected) in cases {
      XCTAssertEqual(
        ReplyMatcher.contains(Array(haystack.utf8), Array(needle.utf8)), expected, "\(haystack) / \(needle)")
    }
  }

  func testHTTPStatusLine() {
    let cases: [(String, Int?)] = [
      ("HTTP/1.1 200 OK\r\n", 200), ("HTTP/1.0 503 Service Unavailable\r\n", 503), ("HTTP/1.1 204\r\n", 204),
      ("HTTP/1.1 200 OK", nil),  // line not complete yet
      ("SSH-2.0-OpenSSH\r\n", nil), ("HTTP/1.1 2000 OK\r\n", nil), ("HTTP/1.1 099 X\r\n", nil), ("HTTP/2 200\r\n", nil),
    ]
    for (reply, expected) in cases {
      XCTAssertEqual(ReplyMatcher.httpStatus(Array(reply.utf8)), expected, reply)
    }
  }
}
