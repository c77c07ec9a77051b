import XCTest

@testable import SplicerConfig

/// Deep nesting of every YAML kind is refused with a located error before it can overflow the
/// parser's stack; configs as people write them pass.
final class NestingGuardTests: XCTestCase {
  func testDeepNestingOfEveryKindIsRefusedAtItsLine() {
    let deep = 20_000
    let cases: [(name: String, yaml: String, line: Int)] = [
      ("flow sequences", "listeners: " + String(repeating: "[", count: deep), 1),
      ("flow mappings", "pools:\n  a: " + String(repeating: "{a: ", count: deep), 2),
      ("compact block sequences", "x:\n" + String(repeating: "- ", count: deep) + "1", 2),
      ("compact mapping keys", String(repeating: "? ", count: deep) + "a", 1),
      (
        "indented block mappings",
        (0..<200).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"), 130
      ),
      ("brackets across lines", String(repeating: "[\n", count: deep), 129),
    ]
    for (name, yaml, line) in cases {
      XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml, file: "deep.yaml"), name) { error in
        let error = error as? ConfigError
        XCTAssertEqual(error?.line, line, name)
        XCTAssertTrue(
          error?.message.contains("nested more than 128 levels") ?? false, "\(name): \(String(describing: error))")
      }
    }
  }

  func testOrdinaryConfigsAndLookalikesPass() throws {
    let fine: [(name: String, yaml: String)] = [
      ("brackets inside quotes", "a: \"" + String(repeating: "[", count: 500) + "\""),
      ("brackets inside single quotes", "a: '" + String(repeating: "{", count: 500) + "'"),
      ("brackets in a comment", "a: 1 # " + String(repeating: "[", count: 500)),
      ("dashes that are not entries", "a: 1\n" + String(repeating: "-", count: 300) + "x: 2"),
      ("a wide flat list", "a: [" + Array(repeating: "[1]", count: 1_000).joined(separator: ", ") + "]"),
    ]
    for (name, yaml) in fine {
      XCTAssertNoThrow(try NestingGuard.check(yaml, file: "fine.yaml"), name)
    }
    let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("etc/splicer.yaml")
    XCTAssertNoThrow(try ConfigLoader.load(path: example.path))
  }
}
