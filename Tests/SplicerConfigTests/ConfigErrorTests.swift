import XCTest

@testable import SplicerConfig

final class ConfigErrorTests: XCTestCase {
  func testDescriptionReadsLikeACompilerDiagnostic() {
    let cases: [(error: ConfigError, text: String)] = [
      (
        ConfigError(file: "s.yaml", line: 3, column: 11, key: "listeners[0].bind", message: "missing port"),
        "s.yaml:3:11: error: listeners[0].bind: missing port"
      ),
      (
        ConfigError(file: "s.yaml", line: 3, column: nil, key: "workers", message: "too many"),
        "s.yaml:3: error: workers: too many"
      ),
      (
        ConfigError(file: "s.yaml", line: 2, column: 1, key: nil, message: "invalid YAML"),
        "s.yaml:2:1: error: invalid YAML"
      ),
      (
        ConfigError(file: "/etc/splicer.yaml", message: "cannot open config file: No such file or directory"),
        "/etc/splicer.yaml: error: cannot open config file: No such file or directory"
      ),
      (ConfigError(file: "s.yaml", column: 4, message: "m"), "s.yaml: error: m"),
    ]
    for (error, text) in cases {
      XCTAssertEqual(error.description, text)
    }
  }

  func testLineAndColumnOfCharacterOffset() {
    let text = "ab\ncd\n\u{e9}f"
    let cases: [(offset: Int, line: Int, column: Int)] = [(0, 1, 1), (2, 1, 3), (3, 2, 1), (7, 3, 2)]
    for (offset, line, column) in cases {
      let position = ConfigError.lineAndColumn(ofCharacterOffset: offset, in: text)
      XCTAssertEqual(position.line, line, "offset \(offset)")
      XCTAssertEqual(position.column, column, "offset \(offset)")
    }
  }

  func testKeySuggestions() {
    let keys = ["name", "bind", "pool", "mode", "backlog"]
    let cases: [(word: String, suggestion: String?)] = [
      ("nmae", "name"), ("bnd", "bind"), ("Pool", "pool"), ("backlgo", "backlog"), ("colour", nil),
      ("x", nil),
    ]
    for (word, suggestion) in cases {
      XCTAssertEqual(KeySuggestion.closest(to: word, among: keys), suggestion, word)
    }
  }
}
