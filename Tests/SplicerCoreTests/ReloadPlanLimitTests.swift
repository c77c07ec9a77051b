import SplicerConfig
import XCTest

@testable import SplicerCore

/// How a reload treats `max_connections`: a renamed listener hands its count to the new name;
/// a rebound or added one starts with a count of its own.
final class ReloadPlanLimitTests: XCTestCase {
  private struct Case {
    let label: String
    let running: [String]
    let new: [String]
    let handedOver: [String: String]
  }

  private static func listener(_ name: String, port: Int = 8080, limit: Int? = nil) -> String {
    #"name: \#(name), bind: "127.0.0.1:\#(port)", pool: app"# + (limit.map { ", max_connections: \($0)" } ?? "")
  }

  private let cases: [Case] = [
    Case(
      label: "limit unchanged", running: [listener("a", limit: 5)], new: [listener("a", limit: 5)], handedOver: [:]),
    Case(
      label: "limit raised", running: [listener("a", limit: 1)], new: [listener("a", limit: 10)], handedOver: [:]),
    Case(
      label: "limit removed", running: [listener("a", limit: 1)], new: [listener("a")], handedOver: [:]),
    Case(
      label: "limit lowered", running: [listener("a", limit: 10)], new: [listener("a", limit: 1)], handedOver: [:]),
    Case(
      label: "limit set where there was none", running: [listener("a")], new: [listener("a", limit: 4)],
      handedOver: [:]),
    Case(
      label: "renamed, same limit: the count goes to the new name", running: [listener("a", limit: 1)],
      new: [listener("renamed", limit: 1)], handedOver: ["a": "renamed"]),
    Case(
      label: "renamed with a raised limit", running: [listener("a", limit: 1)], new: [listener("renamed", limit: 10)],
      handedOver: ["a": "renamed"]),
    Case(
      label: "renamed with the limit removed", running: [listener("a", limit: 1)], new: [listener("renamed")],
      handedOver: ["a": "renamed"]),
    Case(
      label: "renamed with a lowered limit", running: [listener("a", limit: 10)], new: [listener("renamed", limit: 2)],
      handedOver: ["a": "renamed"]),
    Case(
      label: "rebound with a raised limit: its new sockets were never paused", running: [listener("a", limit: 1)],
      new: [listener("a", port: 8081, limit: 10)], handedOver: [:]),
    Case(
      label: "added listener", running: [listener("a", limit: 1)],
      new: [listener("a", limit: 1), listener("b", port: 8081, limit: 9)], handedOver: [:]),
    Case(
      label: "renamed on port 0: bound anew, nothing handed over", running: [listener("a", port: 0, limit: 1)],
      new: [listener("b", port: 0, limit: 10)], handedOver: [:]),
    Case(
      label: "two listeners, one raised, one lowered",
      running: [listener("a", limit: 1), listener("b", port: 8081, limit: 8)],
      new: [listener("a", limit: 2), listener("b", port: 8081, limit: 4)], handedOver: [:]),
  ]

  func testHandOvers() throws {
    for test in cases {
      let plan = ReloadPlan(
        from: try ReloadPlanFixtures.config(test.running), to: try ReloadPlanFixtures.config(test.new))
      XCTAssertEqual(plan.renamed, test.handedOver, test.label)
    }
  }

  /// The new maxima the executor sets are the new config's, renamed listeners included.
  func testTheNewMaximaAreTheNewConfigs() throws {
    let plan = ReloadPlan(
      from: try ReloadPlanFixtures.config([Self.listener("a", limit: 1)]),
      to: try ReloadPlanFixtures.config([Self.listener("renamed", limit: 3), Self.listener("b", port: 8081)]))
    XCTAssertEqual(plan.configuration.listeners.map(\.maxConnections), [3, nil])
  }
}
