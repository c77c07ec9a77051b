import SplicerHealth
import XCTest

@testable import SplicerCore

/// The counter and health seeds in their wire form and back: chunking, tables matched by tag,
/// and column or counter counts that differ between two binaries.
final class UpgradeSeedConversionTests: XCTestCase {
  private typealias Table = WorkerStats.Seed.Table

  private static func seed(listeners: Table, servers: Table) -> WorkerStats.Seed {
    var seed = WorkerStats.Seed.empty
    seed.global = Table(columns: 3, values: [7, 8, 9])
    seed.listeners = listeners
    seed.servers = servers
    return seed
  }

  func testCounterChunksPutBackTogetherEqualTheSeed() {
    let listeners = Table(columns: 2, values: Array(1...10))
    let servers = Table(columns: 3, values: Array(100...111))
    let seed = Self.seed(listeners: listeners, servers: servers)
    let cases: [(valuesPerChunk: Int, chunks: Int)] = [(8192, 3), (4, 1 + 3 + 4), (1, 1 + 5 + 4), (6, 1 + 2 + 2)]
    for (valuesPerChunk, count) in cases {
      let chunks = CounterSnapshot.chunks(of: seed, valuesPerChunk: valuesPerChunk)
      XCTAssertEqual(chunks.count, count, "\(valuesPerChunk) values per chunk")
      XCTAssertEqual(CounterSnapshot.seed(from: chunks), seed, "\(valuesPerChunk) values per chunk")
      XCTAssertEqual(CounterSnapshot.seed(from: chunks.reversed()), seed, "chunks in any order")
    }
  }

  func testTablesAreMatchedByTagAndMissingOnesAreEmpty() {
    let chunks = [
      CounterSnapshot(table: .mirrors, firstRow: 1, columns: 2, values: [5, 6]),
      CounterSnapshot(table: .fallbacks, firstRow: 0, columns: 1, values: [3]),
    ]
    let seed = CounterSnapshot.seed(from: chunks)
    XCTAssertEqual(seed.mirrors, Table(columns: 2, values: [0, 0, 5, 6]), "rows no chunk covers are zero")
    XCTAssertEqual(seed.fallbacks, Table(columns: 1, values: [3]))
    for tag in CounterSnapshot.Table.allCases where tag != .mirrors && tag != .fallbacks {
      XCTAssertEqual(seed[tag].rows, 0, "\(tag)")
    }
  }

  func testColumnsOnlyOneBinaryKnowsAreLeftOutByPosition() {
    let local = WorkerStats.Listener.allCases.count
    // A sender with more listener columns than this binary, one with fewer, one the same.
    for sent in [local + 2, 2, local] {
      let values = (0..<2 * sent).map { UInt64($0 + 1) }
      let chunk = CounterSnapshot(table: .listeners, firstRow: 0, columns: UInt16(sent), values: values)
      let seed = CounterSnapshot.seed(from: [chunk])
      XCTAssertEqual(seed.listeners.columns, sent, "the seed keeps the sender's width")
      let stats = WorkerStats(listenerCount: 2, serverCount: 1)
      stats.seed(seed)
      for row in 0..<2 {
        for column in 0..<local {
          let expected = column < sent ? values[row * sent + column] : 0
          XCTAssertEqual(stats.listeners.value(row, column), expected, "\(sent) columns sent: [\(row), \(column)]")
        }
      }
    }
  }

  func testHealthRowsTravelByRowAndFitTheCounterCount() {
    let rows = [
      HealthBoard.SeedRow(down: true, passiveFailures: 3, counters: [1, 2, 3, 4, 5, 6]),
      HealthBoard.SeedRow(down: false, passiveFailures: 0, counters: [9, 9, 9, 9, 9, 9, 9]),
      HealthBoard.SeedRow(down: true, passiveFailures: 1, counters: [4]),
    ]
    let snapshot = HealthSnapshot(rows: rows, series: [.init(name: "reloads_ok", value: 4)])
    XCTAssertEqual(snapshot.servers.map(\.row), [0, 1, 2])
    XCTAssertEqual(snapshot.servers.map(\.counters.count), [6, 6, 6], "another binary's count, by position")
    XCTAssertEqual(snapshot.seedRows[0], rows[0])
    XCTAssertEqual(snapshot.seedRows[1].counters, [9, 9, 9, 9, 9, 9])
    XCTAssertEqual(snapshot.seedRows[2].counters, [4, 0, 0, 0, 0, 0])
    XCTAssertEqual(snapshot.series(named: "reloads_ok"), 4)
    XCTAssertEqual(snapshot.series(named: "upgrades_ok"), 0, "a series the old binary did not count")

    let sparse = HealthSnapshot(servers: [.init(row: 2, down: true, passiveFailures: 1, counters: [0, 0, 0, 1, 0, 0])])
    XCTAssertEqual(sparse.seedRows.map(\.down), [false, false, true], "rows between are as a fresh board has them")

    let board = HealthBoard(capacity: 4)
    board.seed(snapshot.seedRows)
    XCTAssertEqual(board.seedRows(3), snapshot.seedRows)
  }
}
