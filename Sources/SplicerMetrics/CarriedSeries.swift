import SplicerCore

/// The old process's process-wide counters after a live upgrade (design §12, "Other series"):
/// the reload outcomes, discovery failures, dropped log lines and upgrades that the
/// executable reports as `ExtraSeries`, added as a base to the new process's own at scrape
/// time, so that they do not go back.
///
/// The old process sends its counter series (`snapshot(of:)`) in `HealthSnapshot.series`,
/// each named by its metric name and labels as the exposition writes them; gauges are not
/// carried. The new process makes one from what it received and wraps its `extraSeries` with
/// `adding(to:)`. Immutable, so any thread may scrape.
public struct CarriedSeries: Sendable {
  private let values: [String: UInt64]

  /// Nothing carried.
  public init() {
    values = [:]
  }

  /// The values received, by name; a name that repeats is summed.
  public init(_ series: [HealthSnapshot.Series]) {
    values = Dictionary(series.map { ($0.name, $0.value) }, uniquingKeysWith: &+)
  }

  /// The counter series of `series`, for the old process to send.
  public static func snapshot(of series: [ExtraSeries]) -> [HealthSnapshot.Series] {
    series.filter { $0.kind == .counter }.map {
      HealthSnapshot.Series(name: key(name: $0.name, labels: $0.labels), value: UInt64(max(0, $0.value)))
    }
  }

  /// `series` with each counter's carried value added, then the carried counters this
  /// process has not reported yet (a pool whose discovery has not failed here yet, say),
  /// with the help text of the metric they belong to.
  public func adding(to series: [ExtraSeries]) -> [ExtraSeries] {
    guard !values.isEmpty else { return series }
    var reported = Set<String>()
    var result = series.map { entry -> ExtraSeries in
      guard entry.kind == .counter else { return entry }
      let key = Self.key(name: entry.name, labels: entry.labels)
      reported.insert(key)
      guard let carried = values[key] else { return entry }
      return ExtraSeries(
        name: entry.name, help: entry.help, labels: entry.labels, kind: .counter, value: entry.value + Double(carried))
    }
    for (key, value) in values.sorted(by: { $0.key < $1.key }) where !reported.contains(key) {
      guard let (name, labels) = Self.parse(key) else { continue }
      let help = series.first { $0.name == name }?.help ?? "Carried over from the process this one upgraded."
      result.append(ExtraSeries(name: name, help: help, labels: labels, kind: .counter, value: Double(value)))
    }
    return result
  }

  /// `name{label="value",...}` in the labels' order, `\` and `"` in values escaped; just
  /// `name` without labels.
  static func key(name: String, labels: [(String, String)]) -> String {
    guard !labels.isEmpty else { return name }
    let pairs = labels.map { label, value in
      var escaped = ""
      for character in value {
        if character == "\\" || character == "\"" { escaped.append("\\") }
        escaped.append(character)
      }
      return "\(label)=\"\(escaped)\""
    }
    return "\(name){\(pairs.joined(separator: ","))}"
  }

  /// The name and labels `key` made; nil for text it could not have made (another binary's
  /// series of an unknown shape is then left out).
  static func parse(_ key: String) -> (name: String, labels: [(String, String)])? {
    guard let brace = key.firstIndex(of: "{") else { return key.isEmpty ? nil : (key, []) }
    guard key.hasSuffix("}"),
      let labels = ExpositionSample.labels(key[key.index(after: brace)..<key.index(before: key.endIndex)])
    else { return nil }
    let name = String(key[..<brace])
    return name.isEmpty ? nil : (name, labels)
  }
}
