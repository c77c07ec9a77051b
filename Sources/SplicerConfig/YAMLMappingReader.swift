/// The entries of one YAML mapping, checked for non-string, duplicate and unknown keys up front.
///
/// `YAMLComposer` keeps duplicate keys (libyaml does not reject them), so the check is done here:
/// otherwise the second `bind:` of a listener would silently win, or lose, depending on lookup.
struct YAMLMappingReader {
  struct Entry {
    var key: String
    var keyMark: YAMLMark
    var value: YAMLNodeReader
  }

  /// The mapping node itself; missing-key errors point at it.
  let owner: YAMLNodeReader
  /// Entries in file order.
  let entries: [Entry]

  init(owner: YAMLNodeReader, entries: [Entry]) {
    self.owner = owner
    self.entries = entries
  }

  /// - Parameters:
  ///   - knownKeys: the keys this mapping may have, or nil when keys are names chosen by the user.
  ///   - entryKind: what a key is, for duplicate messages: "key" or e.g. "pool".
  init(_ owner: YAMLNodeReader, knownKeys: [String]?, entryKind: String = "key") throws(ConfigError) {
    guard case .mapping(let mapping, _) = owner.node else {
      throw owner.typeMismatch(expected: Self.expectation(knownKeys))
    }
    var entries: [Entry] = []
    var firstLines: [String: Int] = [:]
    for (keyNode, valueNode) in mapping {
      guard case .scalar(let keyScalar) = keyNode else {
        throw owner.error("mapping keys must be plain strings", at: keyNode.mark)
      }
      let key = keyScalar.text
      let value = owner.child(key, node: valueNode)
      if let knownKeys, !knownKeys.contains(key) {
        let hint = KeySuggestion.hint(for: key, among: knownKeys)
        let choices = hint.isEmpty ? " (expected one of: \(knownKeys.joined(separator: ", ")))" : hint
        throw owner.error("unknown key '\(key)'\(choices)", at: keyNode.mark, key: value.path)
      }
      if let firstLine = firstLines[key] {
        throw owner.error(
          "duplicate \(entryKind) '\(key)' (first defined at line \(firstLine))", at: keyNode.mark,
          key: value.path)
      }
      firstLines[key] = keyNode.mark.line
      entries.append(Entry(key: key, keyMark: keyNode.mark, value: value))
    }
    self.init(owner: owner, entries: entries)
  }

  private static func expectation(_ knownKeys: [String]?) -> String {
    guard let knownKeys, !knownKeys.isEmpty else { return "a mapping" }
    return "a mapping (with keys like \(knownKeys.prefix(3).joined(separator: ", ")))"
  }

  subscript(key: String) -> YAMLNodeReader? {
    entries.first { $0.key == key }?.value
  }

  func required(_ key: String) throws(ConfigError) -> YAMLNodeReader {
    guard let value = self[key] else {
      throw missing(key)
    }
    return value
  }

  /// A missing-key error at the start of this mapping, naming the key it lacks.
  func missing(_ key: String) -> ConfigError {
    let path = owner.path.isEmpty ? key : "\(owner.path).\(key)"
    return owner.error("missing required key '\(key)'", key: path)
  }
}
