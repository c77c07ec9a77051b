import SplicerConfig
import XCTest

@testable import SplicerCore

/// What a reload does with each listener, decided without a socket: kept, renamed, bound
/// again, added or removed, and whether a new bind probes the address first.
final class ReloadPlanListenerTests: XCTestCase {
  private struct Case {
    let label: String
    let running: [String]
    let new: [String]
    let expected: [ListenerChange]
  }

  private static let a8080 = #"name: a, bind: "127.0.0.1:8080", pool: app"#
  private static let b8081 = #"name: b, bind: "127.0.0.1:8081", pool: app"#
  private static let aPort0 = #"name: a, bind: "127.0.0.1:0", pool: app"#

  private let cases: [Case] = [
    Case(
      label: "unchanged config", running: [a8080, aPort0.replacingOccurrences(of: "name: a", with: "name: z")],
      new: [a8080, aPort0.replacingOccurrences(of: "name: a", with: "name: z")], expected: [.keep("a"), .keep("z")]),
    Case(
      label: "a listener added on a fixed port", running: [a8080], new: [a8080, b8081],
      expected: [.keep("a"), .add("b", probe: true)]),
    Case(
      label: "a listener added on port 0", running: [a8080], new: [a8080, #"name: b, bind: "127.0.0.1:0", pool: app"#],
      expected: [.keep("a"), .add("b", probe: false)]),
    Case(label: "a listener removed", running: [a8080, b8081], new: [b8081], expected: [.keep("b"), .remove("a")]),
    Case(
      label: "renamed on a fixed port", running: [a8080], new: [#"name: c, bind: "127.0.0.1:8080", pool: app"#],
      expected: [.rename(from: "a", to: "c")]),
    Case(
      label: "renamed with new routes, mode and limit", running: [a8080],
      new: [#"name: c, bind: "127.0.0.1:8080", pool: other, mode: copy, max_connections: 7"#],
      expected: [.rename(from: "a", to: "c")]),
    Case(
      label: "renamed on port 0: a fresh port, so a new listener", running: [aPort0],
      new: [#"name: c, bind: "127.0.0.1:0", pool: app"#], expected: [.add("c", probe: false), .remove("a")]),
    Case(
      label: "renamed with another backlog: bound anew, no probe against our own socket", running: [a8080],
      new: [#"name: c, bind: "127.0.0.1:8080", pool: app, backlog: 16"#],
      expected: [.add("c", probe: false), .remove("a")]),
    Case(
      label: "the old name stays, so its address goes to a new listener", running: [a8080],
      new: [#"name: a, bind: "127.0.0.1:8082", pool: app"#, #"name: c, bind: "127.0.0.1:8080", pool: app"#],
      expected: [.rebind("a", probe: true), .add("c", probe: false)]),
    Case(
      label: "a new name on the address of a listener that stays under its name", running: [a8080, b8081],
      new: [#"name: b, bind: "127.0.0.1:8080", pool: app"#],
      expected: [.rebind("b", probe: false), .remove("a")]),
    Case(
      label: "two renames, each address to its own new name", running: [a8080, b8081],
      new: [#"name: x, bind: "127.0.0.1:8081", pool: app"#, #"name: y, bind: "127.0.0.1:8080", pool: app"#],
      expected: [.rename(from: "b", to: "x"), .rename(from: "a", to: "y")]),
    Case(
      label: "one old listener renamed once, the second claimant binds", running: [a8080],
      new: [
        #"name: x, bind: "127.0.0.1:8080", pool: app"#, #"name: y, bind: "127.0.0.2:8080", pool: app"#,
      ], expected: [.rename(from: "a", to: "x"), .add("y", probe: true)]),
    Case(
      label: "bind address changed", running: [a8080], new: [#"name: a, bind: "127.0.0.2:8080", pool: app"#],
      expected: [.rebind("a", probe: true)]),
    Case(
      label: "two listeners swap addresses", running: [a8080, b8081],
      new: [#"name: a, bind: "127.0.0.1:8081", pool: app"#, #"name: b, bind: "127.0.0.1:8080", pool: app"#],
      expected: [.rebind("a", probe: false), .rebind("b", probe: false)]),
    Case(
      label: "backlog changed", running: [a8080], new: [a8080 + ", backlog: 16"],
      expected: [.rebind("a", probe: false)]),
    Case(
      label: "port 0 with another backlog", running: [aPort0], new: [aPort0 + ", backlog: 16"],
      expected: [.rebind("a", probe: false)]),
    Case(label: "port 0 unchanged", running: [aPort0], new: [aPort0], expected: [.keep("a")]),
    Case(label: "mode changed", running: [a8080], new: [a8080 + ", mode: copy"], expected: [.keep("a")]),
    Case(
      label: "pool changed", running: [a8080], new: [#"name: a, bind: "127.0.0.1:8080", pool: other"#],
      expected: [.keep("a")]),
    Case(
      label: "routes and access rules changed", running: [a8080],
      new: [a8080 + #", routes: [{ source: ["10.0.0.0/8"], pool: other }], deny: ["192.0.2.0/24"]"#],
      expected: [.keep("a")]),
    Case(
      label: "max_connections set, PROXY header accepted", running: [a8080],
      new: [a8080 + #", max_connections: 3, accept_proxy: { trusted: ["127.0.0.1/32"] }"#], expected: [.keep("a")]),
    Case(
      label: "every listener replaced", running: [a8080, b8081], new: [#"name: c, bind: "127.0.0.1:8090", pool: app"#],
      expected: [.add("c", probe: true), .remove("a"), .remove("b")]),
  ]

  func testEachListenerGetsTheChangeTheOldCodeMade() throws {
    for test in cases {
      let plan = ReloadPlan(
        from: try ReloadPlanFixtures.config(test.running), to: try ReloadPlanFixtures.config(test.new))
      XCTAssertEqual(plan.listeners, test.expected, test.label)
    }
  }

  func testPoolChangesKeepEveryListener() throws {
    let running = try ReloadPlanFixtures.config([Self.a8080, Self.b8081])
    let changedPools = """
      pools:
        app: { balance: least_connections, servers: [{ address: "127.0.0.1:9000", drain: true }, { address: "127.0.0.1:9003" }] }
        other: { servers: [{ address: "127.0.0.1:9001" }] }
        spare: { servers: [{ address: "127.0.0.1:9004" }] }
      """
    let plan = ReloadPlan(
      from: running, to: try ReloadPlanFixtures.config([Self.a8080, Self.b8081], pools: changedPools))
    XCTAssertEqual(plan.listeners, [.keep("a"), .keep("b")])
    XCTAssertEqual(plan.configuration.pools.map(\.name), ["app", "other", "spare"])
    XCTAssertTrue(plan.renamed.isEmpty)
    XCTAssertTrue(plan.rebound.isEmpty)
  }

  func testRenamedAndReboundNamesAreWhatTheWorkersAreTold() throws {
    let running = try ReloadPlanFixtures.config([
      Self.a8080, Self.b8081, Self.aPort0.replacingOccurrences(of: "name: a", with: "name: z"),
    ])
    let new = try ReloadPlanFixtures.config([
      #"name: c, bind: "127.0.0.1:8080", pool: app"#, Self.b8081 + ", backlog: 64",
      #"name: z, bind: "127.0.0.1:0", pool: other"#,
    ])
    let plan = ReloadPlan(from: running, to: new)
    XCTAssertEqual(plan.renamed, ["a": "c"])
    XCTAssertEqual(plan.rebound, ["b"])
    XCTAssertEqual(plan.listeners.compactMap(\.newName), ["c", "b", "z"])
    XCTAssertEqual(plan.listeners.map(\.carriesSocketsOf), ["a", nil, "z"])
  }
}
