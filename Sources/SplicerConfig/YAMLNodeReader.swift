/// One node of the composed YAML tree, with the file it came from and its dotted key path.
///
/// Every typed accessor either returns the value or throws a `ConfigError` that points at this
/// node's line and column and names its key, so the schema code never builds locations by hand.
/// Scalars are read from their source text rather than converted by YAML 1.1's implicit typing,
/// which would turn `0100` into octal 64 and `1:30` into 90; the type it gives only decides
/// which scalars are null, booleans or numbers.
struct YAMLNodeReader {
  let node: YAMLNode
  let file: String
  /// `listeners[0].bind`; empty for the document root.
  let path: String

  init(node: YAMLNode, file: String, path: String = "") {
    self.node = node
    self.file = file
    self.path = path
  }

  func child(_ key: String, node: YAMLNode) -> YAMLNodeReader {
    YAMLNodeReader(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
  }

  func element(_ index: Int, node: YAMLNode) -> YAMLNodeReader {
    YAMLNodeReader(node: node, file: file, path: "\(path)[\(index)]")
  }

  /// An error at this node (or at `mark`, e.g. a mapping key) naming this node's key path.
  func error(_ message: String, at mark: YAMLMark? = nil, key: String? = nil) -> ConfigError {
    let mark = mark ?? node.mark
    let key = key ?? path
    return ConfigError(
      file: file, line: mark.line, column: mark.column, key: key.isEmpty ? nil : key, message: message)
  }

  var isNull: Bool {
    if case .scalar(let scalar) = node, scalar.kind == .null {
      return true
    }
    return false
  }

  /// "a mapping", "an integer", ... for "expected X, found Y" messages.
  var kindDescription: String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a sequence"
    case .scalar(let scalar):
      switch scalar.kind {
      case .null: return "an empty value"
      case .int: return "an integer (\(scalar.text))"
      case .float: return "a number (\(scalar.text))"
      case .bool: return "a boolean (\(scalar.text))"
      case .string: return "a string ('\(scalar.text)')"
      }
    }
  }

  func typeMismatch(expected: String) -> ConfigError {
    error("expected \(expected), found \(kindDescription)")
  }

  // MARK: Containers

  /// This node as a mapping whose keys must all be in `knownKeys`.
  ///
  /// - Parameter allowNull: treat an empty value as an empty mapping, for optional sections whose
  ///   children are all commented out.
  func mapping(knownKeys: [String], allowNull: Bool = false) throws(ConfigError) -> YAMLMappingReader {
    if allowNull && isNull {
      return YAMLMappingReader(owner: self, entries: [])
    }
    return try YAMLMappingReader(self, knownKeys: knownKeys)
  }

  /// This node as a mapping from user-chosen names (pool names) to values.
  ///
  /// - Parameters:
  ///   - expected: what the mapping holds, for the type mismatch message.
  ///   - entryKind: what a key names, for the duplicate message ("duplicate pool 'app'").
  func namedMapping(expected: String, entryKind: String) throws(ConfigError) -> YAMLMappingReader {
    guard case .mapping = node else {
      throw typeMismatch(expected: expected)
    }
    return try YAMLMappingReader(self, knownKeys: nil, entryKind: entryKind)
  }

  /// This node as a sequence; `expected` describes the elements ("a sequence of listeners").
  func sequence(expected: String) throws(ConfigError) -> [YAMLNodeReader] {
    guard case .sequence(let sequence, _) = node else {
      throw typeMismatch(expected: expected)
    }
    return sequence.enumerated().map { element($0.offset, node: $0.element) }
  }

  // MARK: Scalars

  /// The source text of a non-empty scalar of any implicit type (`name: 8080` is a fine name).
  func scalarText(expected: String = "a string") throws(ConfigError) -> String {
    guard case .scalar(let scalar) = node, !isNull else {
      throw typeMismatch(expected: expected)
    }
    return scalar.text
  }

  func string() throws(ConfigError) -> String {
    try scalarText()
  }

  /// A decimal integer within `range`. `0100` is read as 100, not YAML 1.1's octal 64; quoted
  /// numbers, fractions and the hex, `0o` and sexagesimal forms are errors.
  func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
    let expected = "an integer between \(range.lowerBound) and \(range.upperBound)"
    guard case .scalar(let scalar) = node, scalar.isPlain, let value = Int(scalar.text)
    else {
      throw typeMismatch(expected: expected)
    }
    guard range.contains(value) else {
      throw error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
    }
    return value
  }

  func bool() throws(ConfigError) -> Bool {
    guard case .scalar(let scalar) = node, scalar.kind == .bool, let value = scalar.boolValue else {
      throw typeMismatch(expected: "true or false")
    }
    return value
  }

  /// One of the cases of `E`, spelled as its raw value.
  func choice<E: RawRepresentable & CaseIterable>(of type: E.Type) throws(ConfigError) -> E
  where E.RawValue == String {
    let names = E.allCases.map(\.rawValue)
    let text = try scalarText(expected: "one of \(names.joined(separator: ", "))")
    guard let value = E(rawValue: text) else {
      let hint = KeySuggestion.hint(for: text, among: names)
      throw error("unknown value '\(text)'; expected one of \(names.joined(separator: ", "))\(hint)")
    }
    return value
  }

  /// The scalar's text run through one of the value parsers, with its error located at this node.
  func parsed<T>(
    expected: String, _ parse: (String) throws(ValueError) -> T
  ) throws(ConfigError) -> T {
    let text = try scalarText(expected: expected)
    do {
      return try parse(text)
    } catch {
      throw self.error(error.message)
    }
  }
}
