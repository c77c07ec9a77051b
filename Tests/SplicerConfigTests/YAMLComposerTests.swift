import XCTest

@testable import SplicerConfig

/// The YAML layer under the config readers: YAML 1.1's implicit types, anchors and aliases, and
/// the errors libyaml reports, located in the file.
final class YAMLComposerTests: XCTestCase {
  func testPlainScalarsGetYAML11Types() {
    let cases: [(text: String, kind: YAMLScalar.Kind)] = [
      ("", .null), ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("nULL", .string),
      ("true", .bool), ("False", .bool), ("yes", .bool), ("NO", .bool), ("on", .bool), ("Off", .bool),
      ("y", .string), ("tRUE", .string),
      ("0", .int), ("-17", .int), ("+8080", .int), ("1_000", .int), ("0100", .int), ("09", .float),
      ("0b101", .int), ("0b", .string), ("0x1F", .int), ("0x", .string), ("0o17", .int), ("0o", .string),
      ("1:30", .int), ("1:60", .string), ("190:20:30", .int), ("1:", .string), ("0:30", .string),
      ("1.5", .float), ("1.", .float), ("-2.5e3", .float), ("1e5", .float), ("1e", .string), (".5", .float),
      ("-.5", .string), (".5e+3", .float), (".5e3", .string), ("1:30.5", .float), ("0:30.5", .float),
      (".inf", .float), ("-.INF", .float), (".nan", .float), ("-.nan", .string), (".", .string),
      ("127.0.0.1:8080", .string), ("10s", .string), ("64KiB", .string), ("web", .string), ("1..2", .string),
    ]
    for (text, kind) in cases {
      XCTAssertEqual(YAMLScalar.Kind.resolve(plain: text), kind, "'\(text)'")
    }
  }

  func testQuotedAndTaggedScalarsTakeTheirTypeFromTheTag() throws {
    let yaml = "a: '5'\nb: !!int \"5\"\nc: ! 5\nd: !!null x\ne: |\n  true\nf: !custom 5\n"
    guard case .mapping(let entries, _) = try YAMLComposer.composeSingleDocument(yaml) else {
      return XCTFail("not a mapping")
    }
    let kinds = entries.map { entry -> YAMLScalar.Kind? in
      guard case .scalar(let scalar) = entry.value else { return nil }
      return scalar.kind
    }
    XCTAssertEqual(kinds, [.string, .int, .string, .null, .string, .string])
  }

  func testAnAliasIsACopyOfItsAnchoredNodeAtTheAnchorsPlace() throws {
    let yaml = "a: &port 8080\nb: *port\nc: &list [1, 2]\nd: *list\n"
    guard case .mapping(let entries, _) = try YAMLComposer.composeSingleDocument(yaml) else {
      return XCTFail("not a mapping")
    }
    guard case .scalar(let alias) = entries[1].value, case .sequence(let list, let listMark) = entries[3].value
    else {
      return XCTFail("aliases not resolved: \(entries)")
    }
    XCTAssertEqual(alias.text, "8080")
    XCTAssertEqual(alias.mark, YAMLMark(line: 1, column: 4))
    XCTAssertEqual(list.count, 2)
    XCTAssertEqual(listMark, YAMLMark(line: 3, column: 4))
  }

  func testAliasErrors() {
    let cases: [(name: String, yaml: String, mark: YAMLMark)] = [
      ("undefined", "a: 1\nb: *nowhere\n", YAMLMark(line: 2, column: 4)),
      ("inside its own node", "a: &x [1, *x]\n", YAMLMark(line: 1, column: 11)),
      ("before its anchor", "a: *x\nb: &x 1\n", YAMLMark(line: 1, column: 4)),
    ]
    for (name, yaml, mark) in cases {
      XCTAssertThrowsError(try YAMLComposer.composeSingleDocument(yaml), name) { error in
        let error = error as? YAMLSyntaxError
        XCTAssertEqual(error?.stage, .composer, name)
        XCTAssertEqual(error?.problem, "found undefined alias", name)
        XCTAssertEqual(error?.mark, mark, name)
      }
    }
  }

  func testEmptyStreamsHaveNoDocument() throws {
    for yaml in ["", "# only a comment\n", "\n\n"] {
      XCTAssertNil(try YAMLComposer.composeSingleDocument(yaml), "'\(yaml)'")
    }
  }

  func testReaderErrorsAreLocatedInCharactersNotBytes() {
    // `é` is two bytes in UTF-8 but one column.
    XCTAssertThrowsError(try ConfigLoader.parse(yaml: "a: 1\nb: é\u{7}\n", file: "r.yaml")) { error in
      let error = error as? ConfigError
      XCTAssertEqual(error?.line, 2)
      XCTAssertEqual(error?.column, 5)
      XCTAssertEqual(error?.message, "cannot read YAML: control characters are not allowed")
    }
  }

  func testScannerErrorsNameTheirContext() {
    XCTAssertThrowsError(try ConfigLoader.parse(yaml: "a: [1, 2\nb: 3\n", file: "s.yaml")) { error in
      let error = error as? ConfigError
      XCTAssertEqual(error?.line, 2)
      XCTAssertEqual(
        error?.message,
        "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)")
    }
  }
}
