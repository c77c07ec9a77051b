/// A valid config that a table of error cases breaks one line at a time: each case says which
/// lines it replaces, so that its expected line and column stay readable beside the text. The
/// config tests and the `splicer check` tests share it.
public struct ConfigTemplate: Sendable {
  public let text: String

  public init(_ text: String) { self.text = text }

  /// The smallest valid config, eight lines: one listener, one pool, one server.
  public static let minimal = ConfigTemplate(
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
  public func replacing(_ replacements: [Int: String]) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for (number, replacement) in replacements {
      lines[number - 1] = replacement
    }
    return lines.joined(separator: "\n")
  }

  public func replacing(line number: Int, with replacement: String) -> String {
    replacing([number: replacement])
  }

  /// Lines `range` (1-based) of the text.
  public func lines(_ range: ClosedRange<Int>) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)[(range.lowerBound - 1)...(range.upperBound - 1)]
      .joined(separator: "\n")
  }

  /// The text with `more` as its next lines.
  public func appending(_ more: String) -> String {
    text + "\n" + more
  }
}
