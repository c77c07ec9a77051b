/// A YAML document that libyaml or `YAMLComposer` refused, as they report it; `ConfigError`
/// turns it into the message a user sees.
struct YAMLSyntaxError: Error {
  /// Which part of the parsing gave up.
  enum Stage: Equatable {
    /// Bytes libyaml does not accept, such as control characters: located by `byteOffset`.
    case reader
    case scanner
    case parser
    /// The tree did not come together: an undefined alias, a second document.
    case composer
    case memory
  }

  /// What libyaml was in the middle of when the problem showed ("while parsing a block mapping"),
  /// often lines above the problem. `mark` is nil when the context is not a place in the file.
  struct Context {
    let text: String
    let mark: YAMLMark?
  }

  let stage: Stage
  let problem: String
  /// Where the problem is; nil for reader and memory errors.
  let mark: YAMLMark?
  /// The offset in UTF-8 bytes of a reader error.
  var byteOffset: Int? = nil
  var context: Context? = nil
}
