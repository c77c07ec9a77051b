import XCTest

@testable import SplicerHealth

final class HealthStateTests: XCTestCase {
  /// (rise, fall, start, results as "+"/"-", expected status after each, transitions)
  func testThresholds() {
    let cases: [(rise: Int, fall: Int, start: HealthState.Status, results: String, statuses: String)] = [
      (2, 3, .up, "---", "UUD"),
      (2, 3, .up, "--+--", "UUUUU"),  // a success resets the run of failures
      (2, 3, .down, "++", "DU"),
      (2, 3, .down, "+-+", "DDD"),  // a failure resets the run of successes
      (1, 1, .up, "-+-+", "DUDU"),
      (3, 2, .up, "--+++", "UDDDU"),
      (2, 2, .up, "+-+-+-+-", "UUUUUUUU"),  // flapping never moves it
      (2, 2, .down, "-+-+-+-+", "DDDDDDDD"),
    ]
    for (rise, fall, start, results, statuses) in cases {
      var state = HealthState(rise: rise, fall: fall, status: start)
      var seen = ""
      var transitions = 0
      for result in results {
        if state.record(success: result == "+") != nil { transitions += 1 }
        seen += state.status == .up ? "U" : "D"
      }
      XCTAssertEqual(seen, statuses, "rise \(rise) fall \(fall) \(results)")
      let expectedTransitions =
        zip(statuses.dropFirst(), statuses).filter { $0 != $1 }.count
        + (statuses.first.map { ($0 == "U") != (start == .up) ? 1 : 0 } ?? 0)
      XCTAssertEqual(transitions, expectedTransitions, "rise \(rise) fall \(fall) \(results)")
    }
  }

  func testForceDownNeedsRiseSuccessesToComeBack() {
    var state = HealthState(rise: 3, fall: 5)
    XCTAssertTrue(state.forceDown())
    XCTAssertFalse(state.forceDown())
    XCTAssertNil(state.record(success: true))
    XCTAssertNil(state.record(success: true))
    XCTAssertEqual(state.record(success: true), .up)
  }

  func testJitterStaysWithinItsBounds() {
    let interval = Duration.seconds(2)
    XCTAssertEqual(CheckSchedule.delay(interval: interval, jitter: 0.1, random: 0), .milliseconds(1800))
    XCTAssertEqual(CheckSchedule.delay(interval: interval, jitter: 0.1, random: 0.5), .seconds(2))
    XCTAssertEqual(CheckSchedule.delay(interval: interval, jitter: 0, random: 0.9), .seconds(2))
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<10_000 {
      let delay = CheckSchedule.delay(
        interval: interval, jitter: 0.25, random: Double.random(in: 0..<1, using: &generator))
      XCTAssertGreaterThanOrEqual(delay, .milliseconds(1500))
      XCTAssertLessThan(delay, .milliseconds(2500))
    }
  }
}
