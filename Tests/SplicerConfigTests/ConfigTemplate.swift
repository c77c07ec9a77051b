/// A valid config that a table of error cases breaks one line at a time: each case says which
/// lines it replaces, so that its expected line and column stay readable beside the text.
struct ConfigTemplate {
  let text: String

  init(_ text: String) { self.text = text }

  /// The smallest valid config, eight lines: one listener, one pool, one server.
  static let minimal = ConfigTemplate(
    """
    listeners:
      - name: web
        bind: 127.0.0.1:8080
        pool: app
    pools:
      app:
        servers:
          - address: 127.0.0.1:9000
    """)

  /// The text with the given lines (1-based) replaced by texts, which may span lines or be empty.
  func replacing(_ replacements: [Int: String]) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for (number, replacement) in replacements {
      lines[number - 1] = replacement
    }
    return lines.joined(separator: "\n")
  }

  func replacing(line number: Int, with replacement: String) -> String {
    replacing([number: replacement])
  }

  /// Lines `range` (1-based) of the text.
  func lines(_ range: ClosedRange<Int>) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)[(range.lowerBound - 1)...(range.upperBound - 1)]
      .joined(separator: "\n")
  }

  /// The text with `more` as its next lines.
  func appending(_ more: String) -> String {
    text + "\n" + more
  }
}
