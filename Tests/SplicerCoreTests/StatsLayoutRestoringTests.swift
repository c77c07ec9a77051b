import SplicerConfig
import XCTest

@testable import SplicerCore

/// A layout carried into a new process keeps every old row's number and appends the rows of
/// the new config.
final class StatsLayoutRestoringTests: XCTestCase {
  private static let configuration = try! ConfigLoader.parse(
    yaml: """
      listeners:
        - { name: api, bind: "127.0.0.1:0", pool: app }
        - { name: new, bind: "127.0.0.1:0", pool: app }
      pools:
        app: { servers: [{ address: "127.0.0.1:9001" }, { address: "127.0.0.1:9009" }] }
        more: { servers: [{ address: "127.0.0.1:9001" }] }
      """)

  private static let oldServers: [(pool: String, server: String)] = [
    ("app", "127.0.0.1:9000"), ("app", "127.0.0.1:9001"), ("other", "127.0.0.1:9000"),
  ]

  func testOldRowsKeepTheirNumbersAndNewOnesFollow() throws {
    let layout = try XCTUnwrap(
      StatsLayout(
        restoringListeners: ["web", "api", "gone"], servers: Self.oldServers, listenerCapacity: 64,
        serverCapacity: 1024, adding: Self.configuration))
    XCTAssertEqual(layout.listeners, ["web", "api", "gone", "new"])
    XCTAssertEqual(
      layout.servers.map { "\($0.pool)/\($0.server)" },
      [
        "app/127.0.0.1:9000", "app/127.0.0.1:9001", "other/127.0.0.1:9000", "app/127.0.0.1:9009",
        "more/127.0.0.1:9001",
      ])
    XCTAssertEqual(layout.listenerCapacity, 64)
    XCTAssertEqual(layout.serverCapacity, 1024)
  }

  func testCapacityIsTheLargerOfTheOldAndWhatTheRowsNeed() throws {
    let cases: [(old: (listeners: Int, servers: Int), rows: (listeners: Int, servers: Int), expected: (Int, Int))] = [
      // The old capacity is larger: kept.
      ((500, 5000), (3, 3), (500, 5000)),
      // A full old table: room for the old rows and the new config, four times over.
      ((3, 3), (3, 3), (64, 1024)),
      ((20, 300), (20, 300), (max(64, (20 + 2) * 4), max(1024, (300 + 3) * 4))),
    ]
    for (old, rows, expected) in cases {
      let layout = try XCTUnwrap(
        StatsLayout(
          restoringListeners: (0..<rows.listeners).map { "l\($0)" },
          servers: (0..<rows.servers).map { ("p", "10.0.0.1:\($0 + 1)") }, listenerCapacity: old.listeners,
          serverCapacity: old.servers, adding: Self.configuration))
      XCTAssertEqual(layout.listenerCapacity, expected.0, "\(old)")
      XCTAssertEqual(layout.serverCapacity, expected.1, "\(old)")
      XCTAssertEqual(layout.listeners.count, rows.listeners + 2)
      XCTAssertEqual(layout.servers.count, rows.servers + 3)
    }
  }

  func testRepeatedNamesAreRefused() {
    XCTAssertNil(
      StatsLayout(
        restoringListeners: ["web", "web"], servers: [], listenerCapacity: 64, serverCapacity: 1024,
        adding: Self.configuration))
    XCTAssertNil(
      StatsLayout(
        restoringListeners: [], servers: [("app", "127.0.0.1:1"), ("app", "127.0.0.1:1")], listenerCapacity: 64,
        serverCapacity: 1024, adding: Self.configuration))
  }
}
