/// Parses config durations such as `250ms`, `5s`, `1m`, `2h` and `1m30s` into `Duration`.
///
/// A duration is one or more whole-number components, each with a unit (`h`, `m`, `s`, `ms`), largest
/// unit first and each unit at most once. The total must be greater than zero: every duration in the
/// config is a timeout, and a zero timeout would close connections at once. Public for command-line
/// options in the same format (`splicer upgrade --timeout 60s`).
public enum DurationParser {
  /// Units from largest to smallest, with their length in milliseconds.
  static let units: [(name: String, milliseconds: Int64)] = [
    ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
  ]

  static let example = "e.g. 250ms, 5s, 1m or 1m30s"
  /// The longest timeout accepted: longer is a typo, and deadlines must stay far from overflow.
  static let maximumMilliseconds: Int64 = 365 * 24 * 3_600_000

  public static func parse(_ text: String) throws(ValueError) -> Duration {
    if text.isEmpty {
      throw ValueError("expected a duration (\(example))")
    }
    if text.hasPrefix("-") {
      throw ValueError("duration must be greater than 0, got '\(text)'")
    }
    if text.allSatisfy(\.isASCIIDigit) {
      if text.allSatisfy({ $0 == "0" }) {
        throw ValueError("duration must be greater than 0 (\(example))")
      }
      throw ValueError("missing unit in '\(text)' (use ms, s, m or h, e.g. \(text)s)")
    }

    var rest = Substring(text)
    var totalMilliseconds: Int64 = 0
    // Index into `units` of the last unit seen; later components must use a smaller unit.
    var previousUnit: Int? = nil
    while !rest.isEmpty {
      let digits = rest.prefix(while: \.isASCIIDigit)
      rest = rest.dropFirst(digits.count)
      let unitName = rest.prefix(while: \.isLetter)
      rest = rest.dropFirst(unitName.count)

      if digits.isEmpty {
        if let next = rest.first, unitName.isEmpty {
          throw ValueError("unexpected '\(next)' in duration '\(text)' (\(example))")
        }
        throw ValueError("'\(text)' is not a duration (\(example))")
      }
      if unitName.isEmpty {
        if rest.first == "." {
          throw ValueError(
            "fractions are not supported in '\(text)'; use a smaller unit instead (e.g. 1500ms for 1.5s)")
        }
        if let next = rest.first {
          throw ValueError("unexpected '\(next)' in duration '\(text)' (\(example))")
        }
        throw ValueError("missing unit after '\(digits)' in '\(text)' (use ms, s, m or h)")
      }
      guard let unitIndex = units.firstIndex(where: { $0.name == unitName }) else {
        throw ValueError("unknown unit '\(unitName)' in '\(text)' (use ms, s, m or h)")
      }
      if let previousUnit, unitIndex <= previousUnit {
        throw ValueError("units in '\(text)' must go from largest to smallest, each once (e.g. 1h30m)")
      }
      previousUnit = unitIndex

      guard let value = Int64(digits) else {
        throw ValueError("duration '\(text)' is too large")
      }
      let (component, overflowA) = value.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
      let (sum, overflowB) = totalMilliseconds.addingReportingOverflow(component)
      // Duration holds far more than Int64 milliseconds, but nothing sensible needs that range.
      if overflowA || overflowB {
        throw ValueError("duration '\(text)' is too large")
      }
      totalMilliseconds = sum
    }
    if totalMilliseconds == 0 {
      throw ValueError("duration must be greater than 0, got '\(text)'")
    }
    if totalMilliseconds > maximumMilliseconds {
      throw ValueError("duration '\(text)' is longer than a year (8760h)")
    }
    return .milliseconds(totalMilliseconds)
  }
}
