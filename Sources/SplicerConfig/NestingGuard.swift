/// Refuses YAML nested deeper than any config needs, before it reaches the YAML parser.
///
/// The parser (`YAMLComposer` over libyaml) composes nodes recursively with no depth limit, so a file of
/// a few kilobytes of `[[[[…` or `- - - - …` overflows the stack and kills the process: at
/// start, in `splicer check`, and on a reload of a running proxy. A real config is about five
/// levels deep. The scan is conservative: it counts every level a line can open (indentation,
/// compact `- ` entries, open flow brackets outside quotes and comments), so it may
/// overestimate, never underestimate, and the limit leaves a wide margin.
enum NestingGuard {
  /// Far above any sensible config, far below what overflows a thread's stack.
  static let maximumDepth = 128

  static func check(_ yaml: String, file: String) throws(ConfigError) {
    var flowDepth = 0
    var line = 1
    var column = 0
    var indentation = 0
    var compactEntries = 0
    var atLineStart = true
    /// A `-` or `?` at the start of the line, which opens a level if a blank follows.
    var indicatorPending = false
    var quote: Character?
    var inComment = false
    var previous: Character = "\n"
    for character in yaml {
      column += 1
      if character == "\n" {
        line += 1
        column = 0
        indentation = 0
        compactEntries = 0
        atLineStart = true
        indicatorPending = false
        inComment = false
        // Quoted scalars may span lines; a quote left open simply stays open.
        previous = character
        continue
      }
      defer { previous = character }
      if inComment { continue }
      if let open = quote {
        if character == open { quote = nil }
        continue
      }
      if atLineStart {
        if indicatorPending {
          indicatorPending = false
          if character == " " || character == "\t" {
            compactEntries += 1
            continue
          }
          // `-5` or `---`: a scalar or a document marker, not an entry.
          atLineStart = false
        } else if character == " " {
          indentation += 1
          continue
        } else if character == "-" || character == "?" {
          indicatorPending = true
          continue
        } else {
          atLineStart = false
        }
      }
      switch character {
      case "#" where previous == " " || previous == "\t" || column == 1: inComment = true
      case "\"", "'": quote = character
      case "[", "{": flowDepth += 1
      case "]", "}": flowDepth = max(0, flowDepth - 1)
      default: break
      }
      if indentation + compactEntries + flowDepth > maximumDepth {
        throw ConfigError(
          file: file, line: line, column: column,
          message: "the YAML is nested more than \(maximumDepth) levels deep; a config needs far fewer")
      }
    }
  }
}
