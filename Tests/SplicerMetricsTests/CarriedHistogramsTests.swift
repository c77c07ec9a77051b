import Prometheus
import SplicerCore
import XCTest

@testable import SplicerMetrics

/// The latency histograms carried over a live upgrade: read from the old registry's exposition,
/// added to the new one's line by line, every series still consistent (cumulative buckets,
/// `+Inf` equal to `_count`), every other line as it was.
final class CarriedHistogramsTests: XCTestCase {
  private static let name = "splicer_connect_duration_seconds"
  private static let buckets: [Duration] = [.microseconds(250), .milliseconds(1), .seconds(1)]

  /// The connect histograms of servers `a` and `b"q` with `observations`, and a counter.
  private static func registry(_ observations: [String: [Duration]]) -> PrometheusCollectorRegistry {
    let registry = PrometheusCollectorRegistry()
    for server in ["a", "b\"q"] {
      let histogram = registry.makeDurationHistogram(
        descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: "Connects."),
        labels: [("pool", "p"), ("server", server)], buckets: buckets)
      for value in observations[server] ?? [] { histogram.record(value) }
    }
    let other = MetricNameDescriptor(metricName: "other_total", unitName: "", helpText: "Other.")
    registry.makeCounter(descriptor: other).increment(by: Int64(3))
    return registry
  }

  /// Every sample by its series, as the exposition names it.
  private static func samples(_ exposition: [UInt8]) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
      guard let space = line.lastIndex(of: " ") else { continue }
      samples[String(line[..<space])] = Double(line[line.index(after: space)...])
    }
    return samples
  }

  private static func series(_ server: String, _ suffix: String, le: String? = nil) -> String {
    let escaped = server.replacingOccurrences(of: "\"", with: "\\\"")
    return "\(name)_\(suffix){pool=\"p\",server=\"\(escaped)\"\(le.map { ",le=\"\($0)\"" } ?? "")}"
  }

  func testTheSeriesThatCountedAreRead() {
    let old = Self.registry(["a": [.microseconds(100), .microseconds(500), .seconds(2)]])
    XCTAssertEqual(
      CarriedHistograms.snapshots(of: old.emitToBuffer()),
      [
        HistogramSnapshot(
          name: Self.name, labels: [.init("pool", "p"), .init("server", "a")],
          buckets: [
            .init(upperBound: 0.000_25, count: 1), .init(upperBound: 0.001, count: 2), .init(upperBound: 1, count: 2),
          ],
          count: 3, sum: 2.0006)
      ], "a series that counted nothing is not carried")
  }

  func testTheOldCountsAreAddedToEveryLineOfTheirSeries() {
    let old = Self.registry(["a": [.microseconds(100), .microseconds(500), .seconds(2)]])
    let new = Self.registry(["a": [.microseconds(300)], "b\"q": [.milliseconds(1)]])
    let carried = CarriedHistograms(CarriedHistograms.snapshots(of: old.emitToBuffer()))
    let rendered = new.emitToBuffer()
    let added = carried.adding(to: rendered)
    let samples = Self.samples(added)
    let table: [(String, Double)] = [
      (Self.series("a", "bucket", le: "0.00025"), 1),
      (Self.series("a", "bucket", le: "0.001"), 3),
      (Self.series("a", "bucket", le: "1.0"), 3),
      (Self.series("a", "bucket", le: "+Inf"), 4),
      (Self.series("a", "count"), 4),
      (Self.series("b\"q", "bucket", le: "0.00025"), 0),
      (Self.series("b\"q", "bucket", le: "0.001"), 1),
      (Self.series("b\"q", "bucket", le: "+Inf"), 1),
      (Self.series("b\"q", "count"), 1),
      ("other_total", 3),
    ]
    for (series, value) in table {
      XCTAssertEqual(samples[series], value, series)
    }
    XCTAssertEqual(samples[Self.series("a", "sum")] ?? 0, 2.0009, accuracy: 1e-9)
    XCTAssertEqual(samples[Self.series("b\"q", "sum")], 0.001)
    XCTAssertEqual(samples.count, Self.samples(rendered).count, "no line added or lost")
    let comments = { (text: [UInt8]) in
      String(decoding: text, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("#") }
    }
    XCTAssertEqual(comments(added), comments(rendered))
    // What the next upgrade reads is the sum, consistent.
    let next = CarriedHistograms.snapshots(of: added)
    XCTAssertEqual(Set(next.map(\.count)), [4, 1])
    XCTAssertEqual(next.compactMap(\.inconsistency), [])
    XCTAssertEqual(CarriedHistograms().adding(to: rendered), rendered, "nothing carried, nothing changed")
  }

  func testBucketsThatDifferAreNeverCountedTooHigh() {
    let base = HistogramSnapshot(
      name: Self.name, labels: [.init("pool", "p"), .init("server", "a")],
      buckets: [.init(upperBound: 0.0005, count: 2), .init(upperBound: 1, count: 5)], count: 6, sum: 4)
    let added = Self.samples(CarriedHistograms([base]).adding(to: Self.registry([:]).emitToBuffer()))
    let table: [(String, Double)] = [
      (Self.series("a", "bucket", le: "0.00025"), 0),
      (Self.series("a", "bucket", le: "0.001"), 2),
      (Self.series("a", "bucket", le: "1.0"), 5),
      (Self.series("a", "bucket", le: "+Inf"), 6),
      (Self.series("a", "count"), 6),
      (Self.series("a", "sum"), 4),
    ]
    for (series, value) in table {
      XCTAssertEqual(added[series], value, series)
    }
  }

  func testTheExporterCarriesItsHistogramsToTheNextOne() {
    func exporter(recording values: [Duration]) -> MetricsExporter {
      let exporter = MetricsExporter()
      let histogram = exporter.latencyRegistry.makeDurationHistogram(
        descriptor: MetricNameDescriptor(metricName: Self.name, unitName: "", helpText: ""),
        labels: [("pool", "p"), ("server", "a")],
        buckets: Self.buckets)
      values.forEach { histogram.record($0) }
      return exporter
    }
    let old = exporter(recording: [.microseconds(100), .seconds(5)])
    let carried = old.histogramSnapshots()
    XCTAssertEqual(carried.map(\.count), [2])
    let new = exporter(recording: [.milliseconds(1)])
    new.carry(histograms: carried)
    let next = new.histogramSnapshots()
    XCTAssertEqual(next.map(\.count), [3])
    XCTAssertEqual(next.first?.buckets.map(\.count), [1, 2, 2])
    XCTAssertEqual(next.first?.sum ?? 0, 5.0011, accuracy: 1e-9)
    // A series the new process does not record is not shown.
    let elsewhere = MetricsExporter()
    elsewhere.carry(histograms: carried)
    XCTAssertEqual(elsewhere.histogramSnapshots(), [])
  }

  func testSamplesAreRead() {
    let table: [(String, String?, [String], String?)] = [
      ("a 1", "a", [], "1"),
      ("a{b=\"c\",le=\"0.5\"} 2", "a", ["b=c", "le=0.5"], "2"),
      ("a{b=\"x \\\"y\\\" \\\\ \\n\"} 3", "a", ["b=x \"y\" \\ \n"], "3"),
      ("a{b=\"c } d\"} 4", "a", ["b=c } d"], "4"),
      ("# HELP a b", nil, [], nil),
      ("", nil, [], nil),
      ("a", nil, [], nil),
      ("a{b=\"c\" 1", nil, [], nil),
      ("a{b=c} 1", nil, [], nil),
      ("a{b=\"c\",} 1", nil, [], nil),
      ("a{b=\"c\"d} 1", nil, [], nil),
      ("{b=\"c\"} 1", nil, [], nil),
      ("a{=\"c\"} 1", nil, [], nil),
      ("a{b=\"c\\\"} 1", nil, [], nil),
    ]
    for (line, name, labels, value) in table {
      let sample = ExpositionSample(Substring(line))
      XCTAssertEqual(sample?.name, name, line)
      XCTAssertEqual(sample?.labels.map { "\($0.0)=\($0.1)" } ?? [], labels, line)
      XCTAssertEqual(sample.map { String($0.value) }, value, line)
    }
  }

  func testUpgradesAreCountedByOutcome() {
    let counters = UpgradeCounters()
    counters.count(.refused)
    counters.count(.rolledBack)
    counters.count(.rolledBack)
    let series = counters.series()
    XCTAssertEqual(
      series.map { "\(CarriedSeries.key(name: $0.name, labels: $0.labels)) \(Int($0.value))" },
      [
        "splicer_upgrades_total{outcome=\"upgraded\"} 0", "splicer_upgrades_total{outcome=\"refused\"} 1",
        "splicer_upgrades_total{outcome=\"rolled_back\"} 2",
        "splicer_upgrades_total{outcome=\"failed_after_commit\"} 0",
      ])
    XCTAssertTrue(series.allSatisfy { $0.kind == .counter && !$0.help.isEmpty })
    // Carried to the next process, which counts its own upgrade on top.
    let next = UpgradeCounters()
    next.count(.upgraded)
    let carried = CarriedSeries(CarriedSeries.snapshot(of: series))
    XCTAssertEqual(carried.adding(to: next.series()).map { Int($0.value) }, [1, 1, 2, 0])
  }
}
