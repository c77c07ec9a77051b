import Yams

extension ConfigError {
  /// A YAML syntax error, located at libyaml's problem mark.
  init(yamlError: YamlError, file: String) {
    switch yamlError {
    case .composer(let context?, let problem, let mark, _):
      // Yams' own composer contexts carry a placeholder mark, so only the text is worth showing.
      self.init(
        file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(context.text), \(problem)"
      )
    case .scanner(let context, let problem, let mark, let yaml),
      .parser(let context, let problem, let mark, let yaml),
      .composer(let context, let problem, let mark, let yaml):
      var message = "invalid YAML: \(problem)"
      // libyaml's context names the construct that was left open, often lines above the problem.
      if let context {
        message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
      }
      if Self.hasUnquotedIPv6Address(line: mark.line, in: yaml) {
        message += "; IPv6 addresses must be quoted in YAML, e.g. bind: \"[::1]:8080\""
      } else if Self.hasUnquotedWildcard(line: mark.line, in: yaml) {
        message += "; YAML reads a leading * as an alias: quote wildcards, e.g. sni: \"*.example.com\""
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

  /// Whether line `number` holds something like `[::1]:8080` outside quotes, which YAML reads as
  /// the start of a flow sequence; the resulting syntax error alone does not say what to do.
  static func hasUnquotedIPv6Address(line number: Int, in yaml: String) -> Bool {
    let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    guard number >= 1, number <= lines.count else { return false }
    let line = lines[number - 1]
    guard let open = line.firstIndex(of: "["), !line[..<open].contains(where: { $0 == "\"" || $0 == "'" }),
      let close = line[open...].firstRange(of: "]:")
    else {
      return false
    }
    return line[close.upperBound...].first?.isASCIIDigit == true
  }

  /// Whether line `number` holds `*.` right after `: `, `- `, `[` or `,`, i.e. an unquoted
  /// server name wildcard, which YAML takes for an alias and rejects.
  static func hasUnquotedWildcard(line number: Int, in yaml: String) -> Bool {
    let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    guard number >= 1, number <= lines.count else { return false }
    let line = lines[number - 1].replacing(" ", with: "")
    return [":*.", "-*.", "[*.", ",*."].contains { line.contains($0) }
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
