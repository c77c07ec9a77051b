import SplicerCore
import XCTest

@testable import SplicerMetrics

/// The process-wide counters carried over a live upgrade: named by metric and labels, added to
/// the new process's own, gauges left alone.
final class CarriedSeriesTests: XCTestCase {
  private static func counter(_ name: String, _ labels: [(String, String)], _ value: Double) -> ExtraSeries {
    ExtraSeries(name: name, help: "help of \(name)", labels: labels, kind: .counter, value: value)
  }

  private static func rendered(_ series: [ExtraSeries]) -> [String] {
    series.map { "\(CarriedSeries.key(name: $0.name, labels: $0.labels)) \(Int($0.value)) \($0.help)" }
  }

  func testKeysRoundTrip() {
    let cases: [(name: String, labels: [(String, String)], key: String)] = [
      ("splicer_log_lines_dropped_total", [], "splicer_log_lines_dropped_total"),
      (
        "splicer_config_reloads_total", [("outcome", "success")],
        "splicer_config_reloads_total{outcome=\"success\"}"
      ),
      ("d", [("pool", "a,b"), ("reason", "x=\"y\"\\")], "d{pool=\"a,b\",reason=\"x=\\\"y\\\"\\\\\"}"),
    ]
    for (name, labels, key) in cases {
      XCTAssertEqual(CarriedSeries.key(name: name, labels: labels), key)
      let parsed = CarriedSeries.parse(key)
      XCTAssertEqual(parsed?.name, name, key)
      XCTAssertEqual(parsed?.labels.map { "\($0.0)=\($0.1)" }, labels.map { "\($0.0)=\($0.1)" }, key)
    }
    for bad in ["", "{a=\"b\"}", "n{a=\"b\"", "n{a=b}", "n{a=\"b\"x}", "n{=\"b\"}"] {
      XCTAssertNil(CarriedSeries.parse(bad), bad)
    }
  }

  func testCarriedCountersAreAddedAndGaugesLeftAlone() {
    let old = [
      Self.counter("splicer_config_reloads_total", [("outcome", "success")], 4),
      Self.counter("splicer_discovery_failures_total", [("pool", "api"), ("reason", "timeout")], 2),
      Self.counter("splicer_log_lines_dropped_total", [], 1),
      ExtraSeries(name: "g", help: "a gauge", labels: [], kind: .gauge, value: 9),
    ]
    let sent = CarriedSeries.snapshot(of: old)
    XCTAssertEqual(sent.count, 3, "gauges are not carried")
    let carried = CarriedSeries(sent)

    let new = [
      Self.counter("splicer_config_reloads_total", [("outcome", "success")], 1),
      Self.counter("splicer_config_reloads_total", [("outcome", "failure")], 0),
      Self.counter("splicer_log_lines_dropped_total", [], 0),
      ExtraSeries(name: "g", help: "a gauge", labels: [], kind: .gauge, value: 3),
    ]
    XCTAssertEqual(
      Self.rendered(carried.adding(to: new)),
      [
        "splicer_config_reloads_total{outcome=\"success\"} 5 help of splicer_config_reloads_total",
        "splicer_config_reloads_total{outcome=\"failure\"} 0 help of splicer_config_reloads_total",
        "splicer_log_lines_dropped_total 1 help of splicer_log_lines_dropped_total",
        "g 3 a gauge",
        "splicer_discovery_failures_total{pool=\"api\",reason=\"timeout\"} 2"
          + " Carried over from the process this one upgraded.",
      ])
    XCTAssertEqual(Self.rendered(CarriedSeries().adding(to: new)), Self.rendered(new))
  }
}
