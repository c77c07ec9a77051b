import XCTest

@testable import SplicerConfig

final class SNIPatternTests: XCTestCase {
  func testValidPatterns() throws {
    let cases: [(text: String, kind: SNIPattern.Kind, name: String, line: UInt)] = [
      ("api.example.com", .exact, "api.example.com", #line),
      ("API.Example.COM", .exact, "api.example.com", #line),
      ("localhost", .exact, "localhost", #line),
      ("*.example.com", .wildcard, "example.com", #line),
      ("*.Internal", .wildcard, "internal", #line),
      ("xn--bcher-kva.example", .exact, "xn--bcher-kva.example", #line),
      ("a-b.c1.example", .exact, "a-b.c1.example", #line),
      (String(repeating: "a", count: 63) + ".com", .exact, String(repeating: "a", count: 63) + ".com", #line),
    ]
    for (text, kind, name, line) in cases {
      let pattern = try SNIPattern(parsing: text)
      XCTAssertEqual(pattern.kind, kind, text, line: line)
      XCTAssertEqual(pattern.name, name, text, line: line)
      XCTAssertEqual(try SNIPattern(parsing: pattern.description), pattern, line: line)
    }
  }

  func testInvalidPatterns() {
    let long = (0..<4).map { _ in String(repeating: "a", count: 63) }.joined(separator: ".")
    let cases: [(text: String, message: String, line: UInt)] = [
      ("", "expected a server name such as api.example.com or *.example.com", #line),
      ("*", "'*' alone matches every name; route those with the listener's 'pool' instead", #line),
      ("foo.*.com", "'foo.*.com': a wildcard must be the whole leftmost label, as in *.example.com", #line),
      ("*foo.com", "'*foo.com': a wildcard must be the whole leftmost label", #line),
      ("f*.com", "'f*.com': a wildcard must be the whole leftmost label", #line),
      ("*.*.com", "'*.*.com': a wildcard must be the whole leftmost label", #line),
      ("*.", "bad server name '*.': the name is empty", #line),
      ("example.com.", "bad server name 'example.com.': 'example.com.' must not end with '.'", #line),
      ("a..b", "bad server name 'a..b': 'a..b' has an empty label", #line),
      (".a.b", "bad server name '.a.b': '.a.b' has an empty label", #line),
      ("-a.com", "bad server name '-a.com': a label of '-a.com' starts or ends with '-'", #line),
      ("a-.com", "a label of 'a-.com' starts or ends with '-'", #line),
      ("a_b.com", "bad server name 'a_b.com': 'a_b.com' contains '_'", #line),
      ("bücher.de", "'bücher.de' contains a non-ASCII character", #line),
      (String(repeating: "a", count: 64) + ".com", "is longer than 63 characters", #line),
      (long, "is longer than 253 characters", #line),
      ("10.0.0.1", "bad server name '10.0.0.1': '10.0.0.1' is not a host name: its last label is all digits", #line),
    ]
    for (text, message, line) in cases {
      XCTAssertThrowsError(try SNIPattern(parsing: text), text, line: line) { error in
        let actual = (error as? ValueError)?.message ?? "\(error)"
        XCTAssertTrue(actual.contains(message), "'\(text)': '\(actual)' lacks '\(message)'", line: line)
      }
    }
  }

  func testMatching() throws {
    let cases: [(pattern: String, name: String, expected: Bool, line: UInt)] = [
      ("api.example.com", "api.example.com", true, #line),
      ("API.example.com", "api.example.com", true, #line),
      ("api.example.com", "www.example.com", false, #line),
      ("api.example.com", "x.api.example.com", false, #line),
      ("api.example.com", "api.example.co", false, #line),
      ("*.example.com", "a.example.com", true, #line),
      ("*.example.com", "a.b.example.com", true, #line),
      ("*.example.com", "example.com", false, #line),
      ("*.example.com", ".example.com", false, #line),
      ("*.example.com", "aexample.com", false, #line),
      ("*.example.com", "a.example.com.evil", false, #line),
      ("*.example.com", "a.notexample.com", false, #line),
      ("*.internal", "db.internal", true, #line),
      ("*.internal", "internal", false, #line),
    ]
    for (text, name, expected, line) in cases {
      let pattern = try SNIPattern(parsing: text)
      XCTAssertEqual(pattern.matches(name), expected, "\(text) matches \(name)", line: line)
    }
  }
}
