import XCTest

@testable import SplicerConfig

/// A config that is wrong in one way, and the error it must give: a row of the config-error
/// tables (`ConfigLoaderErrorTests`, `RoutingConfigErrorTests`).
struct ConfigErrorCase {
  var name: String
  var yaml: String
  /// nil: the error names no line.
  var line: Int?
  /// nil: any column, though an error with a line must name one.
  var column: Int? = nil
  var key: String?
  var message: String
  var sourceLine: UInt = #line

  /// How much of the message a case gives.
  enum MessageMatch {
    /// The whole message, to the letter.
    case whole
    /// A part that the message must contain.
    case part
  }

  /// Parses every case's YAML as `bad.yaml` and checks the error's file, line, column, key and
  /// message; a failure points at the case's own line in the table.
  static func assertEach(_ cases: [ConfigErrorCase], message match: MessageMatch) {
    for testCase in cases {
      do {
        let config = try ConfigLoader.parse(yaml: testCase.yaml, file: "bad.yaml")
        XCTFail("\(testCase.name): expected an error, parsed \(config)", line: testCase.sourceLine)
      } catch {
        let name = testCase.name
        XCTAssertEqual(error.file, "bad.yaml", name, line: testCase.sourceLine)
        XCTAssertEqual(error.line, testCase.line, "\(name): \(error)", line: testCase.sourceLine)
        if let column = testCase.column {
          XCTAssertEqual(error.column, column, "\(name): \(error)", line: testCase.sourceLine)
        } else if testCase.line != nil {
          XCTAssertNotNil(error.column, "\(name): \(error)", line: testCase.sourceLine)
        }
        XCTAssertEqual(error.key, testCase.key, "\(name): \(error)", line: testCase.sourceLine)
        switch match {
        case .whole:
          XCTAssertEqual(error.message, testCase.message, name, line: testCase.sourceLine)
        case .part:
          XCTAssertTrue(
            error.message.contains(testCase.message), "\(name): '\(error.message)' lacks '\(testCase.message)'",
            line: testCase.sourceLine)
        }
      }
    }
  }

  /// Case names must differ, so that a failure names one case.
  static func assertDistinct(_ cases: [ConfigErrorCase], line: UInt = #line) {
    XCTAssertEqual(Set(cases.map(\.name)).count, cases.count, "two cases share a name", line: line)
  }
}
