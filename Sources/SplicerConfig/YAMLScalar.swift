/// A scalar of the composed YAML tree: its text after YAML's quoting and folding, the type YAML
/// 1.1 gives it, and where it starts.
struct YAMLScalar {
  /// The types that the config's messages tell apart ("expected a string, found an integer").
  enum Kind: Equatable {
    case null
    case bool
    case int
    case float
    /// Strings, and everything else a tag can name (timestamps, `!custom` tags, ...).
    case string
  }

  let text: String
  let kind: Kind
  /// Written without quotes and not as a `|` or `>` block: only such a scalar is read as a number.
  let isPlain: Bool
  let mark: YAMLMark

  /// The value of a boolean scalar, in any case: `true`, `Yes`, `OFF`, ...
  var boolValue: Bool? {
    switch text.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default: return nil
    }
  }
}
