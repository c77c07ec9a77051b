/// One sample line of the Prometheus text exposition as swift-prometheus writes it:
/// `name{label="value",...} value` or `name value`, without a timestamp; label values escape
/// `\`, `"` and line feeds. Pure: how `CarriedHistograms` reads the histograms of its own
/// registry, the only place swift-prometheus lets their counts out.
struct ExpositionSample {
  let name: String
  /// In the order of the line, `le` included.
  let labels: [(String, String)]
  /// The line up to the space before the value: the series as the exposition names it.
  let series: Substring
  let value: Substring

  /// Nil for a line of another shape (a comment, a blank line, a broken label).
  init?(_ line: Substring) {
    guard let space = line.lastIndex(of: " ") else { return nil }
    series = line[..<space]
    value = line[line.index(after: space)...]
    guard !value.isEmpty else { return nil }
    guard let brace = series.firstIndex(of: "{") else {
      guard !series.isEmpty, !series.contains(" ") else { return nil }
      name = String(series)
      labels = []
      return
    }
    guard series.last == "}",
      let labels = Self.labels(series[series.index(after: brace)..<series.index(before: series.endIndex)])
    else { return nil }
    name = String(series[..<brace])
    self.labels = labels
    guard !name.isEmpty else { return nil }
  }

  /// The value of the label `name`, if the line has it.
  func label(_ name: String) -> String? {
    labels.first { $0.0 == name }?.1
  }

  /// `a="x",b="y"` with the exposition's escapes undone; nil when it is not of that shape.
  /// Also how `CarriedSeries` reads back the keys it made, whose escapes are a subset.
  static func labels(_ text: Substring) -> [(String, String)]? {
    var labels: [(String, String)] = []
    var rest = text
    while !rest.isEmpty {
      guard let equals = rest.firstIndex(of: "="), equals > rest.startIndex else { return nil }
      let name = String(rest[..<equals])
      var index = rest.index(after: equals)
      guard index < rest.endIndex, rest[index] == "\"" else { return nil }
      index = rest.index(after: index)
      var value = ""
      var closed = false
      while index < rest.endIndex {
        let character = rest[index]
        index = rest.index(after: index)
        if character == "\"" {
          closed = true
          break
        }
        guard character == "\\" else {
          value.append(character)
          continue
        }
        guard index < rest.endIndex else { return nil }
        let escaped = rest[index]
        index = rest.index(after: index)
        value.append(escaped == "n" ? "\n" : escaped)
      }
      guard closed else { return nil }
      labels.append((name, value))
      rest = rest[index...]
      if rest.first == "," {
        rest = rest.dropFirst()
        guard !rest.isEmpty else { return nil }
      } else if !rest.isEmpty {
        return nil
      }
    }
    return labels
  }
}
