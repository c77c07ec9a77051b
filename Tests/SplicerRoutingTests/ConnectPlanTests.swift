import SplicerRouting
import XCTest

final class ConnectPlanTests: XCTestCase {
  /// (servers, retries, cursor start, expected sequence of picks until exhausted)
  func testPickSequences() {
    let cases: [(servers: Int, retries: Int, start: Int, expected: [Int])] = [
      (1, 0, 0, [0]),
      (1, 2, 0, [0, 0, 0]),  // a single server is retried: there is no other
      (2, 1, 0, [0, 1]),
      (2, 1, 1, [1, 0]),
      (3, 2, 0, [0, 1, 2]),
      (3, 2, 2, [2, 0, 1]),
      (3, 5, 1, [1, 2, 0, 1, 2, 0]),
      (4, 0, 3, [3]),
      (0, 3, 0, []),  // an empty pool never yields a server
    ]
    for (servers, retries, start, expected) in cases {
      var cursor = RoundRobinCursor(start: start)
      var plan = ConnectPlan(serverCount: servers, retries: retries)
      var picks: [Int] = []
      while let index = plan.nextServer(cursor: &cursor) { picks.append(index) }
      XCTAssertEqual(picks, expected, "servers \(servers) retries \(retries) start \(start)")
    }
  }

  func testNeverTheSameServerTwiceInARowWhenThereIsAnother() {
    for servers in 2...6 {
      for start in 0..<servers {
        var cursor = RoundRobinCursor(start: start)
        var plan = ConnectPlan(serverCount: servers, retries: 10)
        var previous: Int?
        while let index = plan.nextServer(cursor: &cursor) {
          XCTAssertNotEqual(index, previous)
          previous = index
        }
      }
    }
  }

  func testRepeatLastAttemptGivesTheSameServerWithoutSpendingAnAttempt() {
    var cursor = RoundRobinCursor()
    var plan = ConnectPlan(serverCount: 3, retries: 1)
    XCTAssertEqual(plan.nextServer(cursor: &cursor), 0)
    plan.repeatLastAttempt()
    XCTAssertEqual(plan.nextServer(cursor: &cursor), 0)
    XCTAssertEqual(plan.nextServer(cursor: &cursor), 1)
    XCTAssertNil(plan.nextServer(cursor: &cursor))
    // The cursor moved once, for the first pick only.
    XCTAssertEqual(cursor.position, 1)
  }

  func testRoundRobinSpreadsFirstPicksEvenly() {
    var cursor = RoundRobinCursor()
    var counts = [0, 0, 0, 0, 0]
    for _ in 0..<100_000 {
      var plan = ConnectPlan(serverCount: 5, retries: 2)
      counts[plan.nextServer(cursor: &cursor)!] += 1
    }
    XCTAssertEqual(counts, [20_000, 20_000, 20_000, 20_000, 20_000])
  }
}
