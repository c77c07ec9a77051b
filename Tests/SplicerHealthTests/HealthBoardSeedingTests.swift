import XCTest

@testable import SplicerHealth

/// Server health read from one board and seeded into a fresh one reads back the same.
final class HealthBoardSeedingTests: XCTestCase {
  func testSeededRowsReadBackAsSent() {
    let old = HealthBoard(capacity: 8)
    old.setUp(0, false)
    _ = old.recordConnectFailure(1, threshold: 5)
    _ = old.recordConnectFailure(1, threshold: 5)
    for _ in 0..<3 { _ = old.recordConnectFailure(2, threshold: 3) }  // down by passive failures
    for (row, counter) in [(0, .checksFailed), (0, .wentDown), (3, .checksPassed), (3, .checksSkipped)]
      as [(Int, HealthBoard.Counter)]
    {
      old.count(row, counter)
    }
    let sent = old.seedRows(4)
    XCTAssertEqual(sent.map(\.down), [true, false, true, false])
    XCTAssertEqual(sent.map(\.passiveFailures), [0, 2, 3, 0])
    XCTAssertEqual(sent[2].counters[HealthBoard.Counter.passiveDowns.rawValue], 1)

    let new = HealthBoard(capacity: 16)
    new.seed(sent)
    XCTAssertEqual(new.seedRows(4), sent)
    XCTAssertFalse(new.isUp(0))
    XCTAssertTrue(new.isUp(1))
    XCTAssertEqual(new.value(3, .checksSkipped), 1)
    // Passive failures go on counting from where they were: one more takes server 1 down at 3.
    XCTAssertTrue(new.recordConnectFailure(1, threshold: 3))
    // Rows after the seeded ones are as new.
    XCTAssertEqual(new.seedRows(16).dropFirst(4).filter { $0.down || $0.passiveFailures != 0 }, [])
  }

  func testRowsAndCountersBeyondTheBoardAreLeftOut() {
    let new = HealthBoard(capacity: 2)
    let width = HealthBoard.Counter.allCases.count
    let rows: [HealthBoard.SeedRow] = (0..<3).map { (row: Int) -> HealthBoard.SeedRow in
      let counters: [UInt64] = (0...width).map { (column: Int) -> UInt64 in UInt64(row * 10 + column) }
      return HealthBoard.SeedRow(down: row == 1, passiveFailures: UInt32(row), counters: counters)
    }
    new.seed(rows)
    XCTAssertEqual(new.seedRows(5).count, 2)
    XCTAssertEqual(new.seedRows(2).map(\.counters), rows.prefix(2).map { Array($0.counters.prefix(width)) })
    XCTAssertFalse(new.isUp(1))
  }
}
