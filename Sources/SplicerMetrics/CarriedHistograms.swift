import SplicerCore

/// The latency histograms of the process before a live upgrade (design §12, "Histograms"),
/// added as a base to this process's own at scrape time, so that a histogram goes on from the
/// old counts instead of starting at zero.
///
/// swift-prometheus keeps a histogram's buckets to itself: they can be moved only by recording
/// one observation at a time, and read only by rendering the registry. So the old process
/// reads its series from its rendered latency registry (`snapshots(of:)`, with its own base
/// already in), they travel as `HistogramSnapshot`s, and the new process adds them to the lines
/// its registry renders (`adding(to:)`): each bucket the old series' count at or below its
/// bound, `+Inf` and `_count` the old count, `_sum` the old sum. Cumulative counts stay
/// cumulative and `_count` stays the `+Inf` bucket. A carried series this process does not
/// record (a histogram a newer binary dropped) is not shown. Immutable, so any thread may
/// scrape.
public struct CarriedHistograms: Sendable {
  private let bases: [String: HistogramSnapshot]

  /// Nothing carried.
  public init() {
    bases = [:]
  }

  /// The series received, by name and labels; an inconsistent one is left out.
  public init(_ snapshots: [HistogramSnapshot]) {
    bases = Dictionary(
      snapshots.filter { $0.inconsistency == nil }.map {
        (Self.key($0.name, $0.labels.map { ($0.name, $0.value) }), $0)
      },
      uniquingKeysWith: { first, _ in first })
  }

  public var isEmpty: Bool { bases.isEmpty }

  /// `exposition` with the carried counts added to the lines of the series they belong to;
  /// every other line as it was.
  public func adding(to exposition: [UInt8]) -> [UInt8] {
    guard !bases.isEmpty else { return exposition }
    var histograms = Set<String>()
    let lines = String(decoding: exposition, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let added = lines.map { line -> String in
      guard case let (sample, family, part)? = Self.histogramSample(line, histograms: &histograms),
        let base = bases[Self.key(family, sample.labels.filter { $0.0 != "le" })]
      else { return String(line) }
      let value: String
      switch part {
      case .bucket:
        guard let le = sample.label("le"), let bound = le == "+Inf" ? Double.infinity : Double(le),
          let observed = UInt64(sample.value)
        else { return String(line) }
        value = "\(observed &+ base.count(atOrBelow: bound))"
      case .sum:
        guard let observed = Double(sample.value) else { return String(line) }
        value = "\(observed + base.sum)"
      case .count:
        guard let observed = UInt64(sample.value) else { return String(line) }
        value = "\(observed &+ base.count)"
      }
      return "\(sample.series) \(value)"
    }
    return Array(added.joined(separator: "\n").utf8)
  }

  /// Every histogram series of `exposition` that counted anything, as the handover carries
  /// it; a series with a line that does not read is left out.
  public static func snapshots(of exposition: [UInt8]) -> [HistogramSnapshot] {
    var histograms = Set<String>()
    var order: [String] = []
    var series: [String: HistogramSnapshot] = [:]
    var broken = Set<String>()
    for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n") {
      guard case let (sample, family, part)? = histogramSample(line, histograms: &histograms) else { continue }
      let labels = sample.labels.filter { $0.0 != "le" }
      let seriesKey = key(family, labels)
      var snapshot =
        series[seriesKey]
        ?? HistogramSnapshot(
          name: family, labels: labels.map { HistogramSnapshot.Label($0.0, $0.1) }, buckets: [], count: 0, sum: 0)
      if series[seriesKey] == nil { order.append(seriesKey) }
      switch part {
      case .bucket:
        guard let le = sample.label("le") else {
          broken.insert(seriesKey)
          break
        }
        guard le != "+Inf" else { break }
        guard let bound = Double(le), let count = UInt64(sample.value) else {
          broken.insert(seriesKey)
          break
        }
        snapshot.buckets.append(HistogramSnapshot.Bucket(upperBound: bound, count: count))
      case .sum:
        guard let sum = Double(sample.value) else {
          broken.insert(seriesKey)
          break
        }
        snapshot.sum = sum
      case .count:
        guard let count = UInt64(sample.value) else {
          broken.insert(seriesKey)
          break
        }
        snapshot.count = count
      }
      series[seriesKey] = snapshot
    }
    return order.compactMap { key in
      guard !broken.contains(key), let snapshot = series[key], snapshot.count > 0, snapshot.inconsistency == nil
      else { return nil }
      return snapshot
    }
  }

  /// The three kinds of line a histogram series renders.
  private enum Part { case bucket, sum, count }

  /// A sample of a family that a `# TYPE … histogram` line declared before it, with its family
  /// and part; nil for any other line (which may be such a `# TYPE` line: it is noted).
  private static func histogramSample(_ line: Substring, histograms: inout Set<String>)
    -> (ExpositionSample, String, Part)?
  {
    if line.hasPrefix("#") {
      let words = line.split(separator: " ")
      if words.count == 4, words[1] == "TYPE", words[3] == "histogram" { histograms.insert(String(words[2])) }
      return nil
    }
    guard let sample = ExpositionSample(line) else { return nil }
    let parts: [(String, Part)] = [("_bucket", .bucket), ("_sum", .sum), ("_count", .count)]
    for (suffix, part) in parts where sample.name.hasSuffix(suffix) {
      let family = String(sample.name.dropLast(suffix.count))
      if histograms.contains(family) { return (sample, family, part) }
    }
    return nil
  }

  static func key(_ name: String, _ labels: [(String, String)]) -> String {
    CarriedSeries.key(name: name, labels: labels)
  }
}
