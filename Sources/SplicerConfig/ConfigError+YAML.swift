import Yams

extension ConfigError {
  /// A YAML syntax error, located at libyaml's problem mark.
  init(yamlError: YamlError, file: String) {
    switch yamlError {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      var message = "invalid YAML: \(problem)"
      // libyaml's context names the construct that was left open, often lines above the problem.
      if let context {
        message += " (\(context.text) started at line \(context.mark.line), column \(context.mark.column))"
      }
      self.init(file: file, line: mark.line, column: mark.column, message: message)
    case .reader(let problem, let offset, _, let yaml):
      let position = offset.map { Self.lineAndColumn(ofCharacterOffset: $0, in: yaml) }
      self.init(
        file: file, line: position?.line, column: position?.column, message: "cannot read YAML: \(problem)")
    default:
      self.init(file: file, message: "invalid YAML: \(yamlError)")
    }
  }

  /// 1-based line and column (in Unicode scalars, as libyaml counts) of a `Character` offset.
  static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for character in text.prefix(offset) {
      if character.isNewline {
        line += 1
        column = 1
      } else {
        column += character.unicodeScalars.count
      }
    }
    return (line, column)
  }
}
