extension ConfigError {
  /// A YAML syntax error, located at libyaml's problem mark; `yaml` is the text that failed.
  init(yamlError: YAMLSyntaxError, yaml: String, file: String) {
    switch yamlError.stage {
    case .reader:
      let position = yamlError.byteOffset.flatMap { Self.characterOffset(ofUTF8Offset: $0, in: yaml) }
        .map { Self.lineAndColumn(ofCharacterOffset: $0, in: yaml) }
      self.init(
        file: file, line: position?.line, column: position?.column,
        message: "cannot read YAML: \(yamlError.problem)")
    case .memory:
      self.init(file: file, message: "invalid YAML: \(yamlError.problem)")
    case .scanner, .parser, .composer:
      let mark = yamlError.mark
      if let context = yamlError.context, context.mark == nil {
        // A context that is not a place in the file (a second document): only its text counts.
        self.init(
          file: file, line: mark?.line, column: mark?.column,
          message: "invalid YAML: \(context.text), \(yamlError.problem)")
        return
      }
      var message = "invalid YAML: \(yamlError.problem)"
      // libyaml's context names the construct that was left open, often lines above the problem.
      if let context = yamlError.context, let contextMark = context.mark {
        message += " (\(context.text) at line \(contextMark.line), column \(contextMark.column))"
      }
      if let line = mark?.line, Self.hasUnquotedIPv6Address(line: line, in: yaml) {
        message += "; IPv6 addresses must be quoted in YAML, e.g. bind: \"[::1]:8080\""
      } else if let line = mark?.line, Self.hasUnquotedWildcard(line: line, in: yaml) {
        message += "; YAML reads a leading * as an alias: quote wildcards, e.g. sni: \"*.example.com\""
      }
      self.init(file: file, line: mark?.line, column: mark?.column, message: message)
    }
  }

  /// The offset in `Character`s of the UTF-8 offset `offset`, nil when it falls inside a
  /// character (or past the end).
  static func characterOffset(ofUTF8Offset offset: Int, in text: String) -> Int? {
    text.utf8.index(text.utf8.startIndex, offsetBy: offset, limitedBy: text.utf8.endIndex)?
      .samePosition(in: text)
      .map { text.distance(from: text.startIndex, to: $0) }
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
