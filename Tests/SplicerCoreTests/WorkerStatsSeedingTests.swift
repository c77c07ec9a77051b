import XCTest

@testable import SplicerCore

/// Counters summed over the old process's workers and added into a new process's worker 0
/// read back as they were sent.
final class WorkerStatsSeedingTests: XCTestCase {
  private var layout: StatsLayout {
    var layout = StatsLayout(listenerCapacity: 8, serverCapacity: 16)
    for name in ["web", "api", "admin"] { _ = layout.listenerRow(name) }
    for port in 9000..<9005 { _ = layout.serverRow(pool: "app", server: "127.0.0.1:\(port)") }
    return layout
  }

  /// Every cell of every table of `stats`, written by `worker` so that no two cells nor
  /// workers hold the same number.
  private func fill(_ stats: WorkerStats, worker: UInt64) {
    let tables = [
      stats.global, stats.fallbacks, stats.listeners, stats.listenerCloses, stats.servers, stats.serverFailures,
      stats.inspections, stats.mirrors,
    ]
    for (index, table) in tables.enumerated() {
      for row in 0..<table.rows {
        for column in 0..<table.columns {
          table.add(row, column, worker * 1_000_000 + UInt64(index * 10_000 + row * 100 + column))
        }
      }
    }
  }

  func testASeededSnapshotReadsBackAsSent() {
    let layout = layout
    let old = (0..<2).map { _ in WorkerStats(listenerCount: layout.listenerCapacity, serverCount: layout.serverCapacity)
    }
    for (index, stats) in old.enumerated() { fill(stats, worker: UInt64(index + 1)) }
    var sent = WorkerStats.summed(old, layout: layout)
    XCTAssertEqual(sent.listeners.rows, 3)
    XCTAssertEqual(sent.servers.rows, 5)
    XCTAssertEqual(sent.serverFailures.rows, 5)
    XCTAssertEqual(sent.global.rows, 1)
    XCTAssertEqual(sent.listeners[1, 2], old[0].listeners.value(1, 2) + old[1].listeners.value(1, 2))
    XCTAssertEqual(
      sent.global[0, WorkerStats.Global.pipeCapacityGranted.rawValue],
      min(old[0].value(.pipeCapacityGranted), old[1].value(.pipeCapacityGranted)))

    // The new process: larger tables, three workers, worker 0 seeded before it runs.
    let new = (0..<3).map { _ in WorkerStats(listenerCount: 16, serverCount: 32) }
    new[0].seed(sent)
    var restoredLayout = layout
    _ = restoredLayout.listenerRow("later")
    let received = WorkerStats.summed(new, layout: restoredLayout)

    // The gauges of the old process's pipes are not carried.
    for slot in WorkerStats.Global.allCases where !slot.carriedAcrossUpgrade {
      XCTAssertEqual(received.global[0, slot.rawValue], 0, "\(slot)")
      sent.global[0, slot.rawValue] = 0
    }
    XCTAssertEqual(received.global, sent.global)
    XCTAssertEqual(received.fallbacks, sent.fallbacks)
    XCTAssertEqual(received.servers, sent.servers)
    XCTAssertEqual(received.serverFailures, sent.serverFailures)
    // A row added after the upgrade starts at zero.
    for (name, table, sentTable) in [
      ("listeners", received.listeners, sent.listeners), ("closes", received.listenerCloses, sent.listenerCloses),
      ("inspections", received.inspections, sent.inspections), ("mirrors", received.mirrors, sent.mirrors),
    ] {
      XCTAssertEqual(Array(table.values.prefix(sentTable.values.count)), sentTable.values, name)
      XCTAssertEqual(Array(table.values.dropFirst(sentTable.values.count)), Array(repeating: 0, count: table.columns))
    }
  }

  func testSeedingAddsToWhatIsThereAndLeavesOutWhatDoesNotFit() {
    let stats = WorkerStats(listenerCount: 2, serverCount: 2)
    stats.add(listener: 0, .accepted, 5)
    var seed = WorkerStats.summed([WorkerStats(listenerCount: 2, serverCount: 2)], layout: layout)
    seed.listeners[0, WorkerStats.Listener.accepted.rawValue] = 7
    // A row and a column this binary does not have.
    seed.servers = .init(columns: WorkerStats.Server.allCases.count + 1, values: Array(1...18).map(UInt64.init))
    stats.seed(seed)
    XCTAssertEqual(stats.value(listener: 0, .accepted), 12)
    let width = WorkerStats.Server.allCases.count + 1
    for row in 0..<2 {
      for slot in WorkerStats.Server.allCases {
        XCTAssertEqual(stats.value(server: row, slot), UInt64(row * width + slot.rawValue + 1), "\(row) \(slot)")
      }
    }
  }
}
