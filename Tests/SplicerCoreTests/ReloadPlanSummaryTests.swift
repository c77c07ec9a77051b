import SplicerConfig
import XCTest

@testable import SplicerCore

/// The settings a reload leaves for a restart, the host names it looks up, and the summary
/// the `reloaded` log line prints.
final class ReloadPlanSummaryTests: XCTestCase {
  private static let listener = #"name: test, bind: "127.0.0.1:8080", pool: app"#

  func testRestartOnlySettingsKeepTheirRunningValues() throws {
    let running = try ReloadPlanFixtures.config([Self.listener])
    let new = try ReloadPlanFixtures.config(
      [Self.listener],
      extra: """
        tuning: { pipe_size: 64KiB }
        log: { level: debug, format: logfmt, access_log: false }
        admin: { bind: 127.0.0.1:9100 }
        user: nobody
        timeouts: { connect: 1s }
        """
    ).withWorkers(6)
    let plan = ReloadPlan(from: running, to: new)
    XCTAssertEqual(plan.ignored, ["workers", "tuning", "admin", "user/group", "log.level/log.format"])
    XCTAssertEqual(plan.configuration.workers, running.workers)
    XCTAssertEqual(plan.configuration.tuning, running.tuning)
    XCTAssertEqual(plan.configuration.admin, running.admin)
    XCTAssertEqual(plan.configuration.privileges, running.privileges)
    // The rest is the new file's, log settings included (the handler ignores them).
    XCTAssertEqual(plan.configuration.log, new.log)
    XCTAssertEqual(plan.configuration.timeouts, new.timeouts)
    XCTAssertEqual(
      plan.summary.description,
      #"added [], removed [], rebound [], kept ["test"]; needs a restart to change: "#
        + "workers, tuning, admin, user/group, log.level/log.format")
  }

  func testAnUnchangedConfigChangesNothing() throws {
    let running = try ReloadPlanFixtures.config([Self.listener])
    let plan = ReloadPlan(from: running, to: running)
    XCTAssertEqual(plan.configuration, running)
    XCTAssertEqual(plan.ignored, [])
    XCTAssertEqual(plan.summary, ProxyServer.ReloadSummary(kept: ["test"]))
  }

  func testSummaries() throws {
    let cases: [(label: String, running: [String], new: [String], expected: String)] = [
      (
        "renamed on a fixed port: the old name is removed, the new one kept", [Self.listener],
        [#"name: renamed, bind: "127.0.0.1:8080", pool: app"#],
        #"added [], removed ["test"], rebound [], kept ["renamed"], renamed ["test->renamed"]"#
      ),
      (
        "renamed on port 0: added and removed", [#"name: test, bind: "127.0.0.1:0", pool: app"#],
        [#"name: other, bind: "127.0.0.1:0", pool: app"#], #"added ["other"], removed ["test"], rebound [], kept []"#
      ),
      (
        "moved, added, kept, renamed",
        [
          Self.listener, #"name: b, bind: "127.0.0.1:8081", pool: app"#, #"name: c, bind: "127.0.0.1:8082", pool: app"#,
        ],
        [
          #"name: d, bind: "127.0.0.1:8090", pool: app"#, #"name: b, bind: "127.0.0.1:8091", pool: app"#,
          #"name: e, bind: "127.0.0.1:8082", pool: app"#, #"name: test, bind: "127.0.0.1:8080", pool: other"#,
        ],
        #"added ["d"], removed ["c"], rebound ["b"], kept ["e", "test"], renamed ["c->e"]"#
      ),
    ]
    for test in cases {
      let plan = ReloadPlan(
        from: try ReloadPlanFixtures.config(test.running), to: try ReloadPlanFixtures.config(test.new))
      XCTAssertEqual(plan.summary.description, test.expected, test.label)
    }
  }

  func testHostNamesOfTheNewConfigAndOfTheRunningOne() throws {
    let running = try ReloadPlanFixtures.config(
      [Self.listener],
      pools: """
        pools:
          app: { servers: [{ address: "old.example:80" }, { address: "127.0.0.1:9000" }] }
        """)
    let new = try ReloadPlanFixtures.config(
      [Self.listener],
      pools: """
        pools:
          app: { resolve_interval: 5s, servers: [{ address: "new.example:80" }, { address: "old.example:80" }] }
        """)
    let plan = ReloadPlan(from: running, to: new)
    XCTAssertEqual(
      plan.hostNames.map { "\($0.host):\($0.port)/\($0.interval)" },
      [
        "new.example:80/5.0 seconds", "old.example:80/5.0 seconds",
      ])
    XCTAssertEqual(plan.runningHostNames.map { "\($0.host):\($0.port)" }, ["old.example:80"])
    XCTAssertEqual(plan.listeners, [.keep("test")])
  }
}

extension Configuration {
  fileprivate func withWorkers(_ count: Int) -> Configuration {
    var copy = self
    copy.workers = count
    return copy
  }
}
