import XCTest

@testable import SplicerCore
@testable import SplicerLoop

private final class RecordingTarget: TimerTarget {
  var timerSlot = -1
  var timerDeadline: UInt64 = 0
  var fired: [UInt64] = []

  func timerFired(now: UInt64) { fired.append(now) }
}

/// The loop reads time only from its clock: timers follow a clock moved by hand, and a turn
/// with a timeout waits no longer than that whatever the deadlines.
final class EventLoopClockTests: XCTestCase {
  func testTimerFiresInTheFirstTurnThatFindsTheClockAtItsDeadline() throws {
    let clock = ManualClock()
    let loop = try EventLoop(clock: clock.loopClock)
    let target = RecordingTarget()
    loop.schedule(target, at: clock.now + 5_000)
    clock.advance(nanoseconds: 4_999)
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(target.fired, [])
    clock.advance(nanoseconds: 1)
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(target.fired, [clock.now])
  }

  func testNowIsTheClockAsTheTurnFoundIt() throws {
    let clock = ManualClock()
    let loop = try EventLoop(clock: clock.loopClock)
    XCTAssertEqual(loop.now, clock.now)
    clock.advance(by: .seconds(3))
    XCTAssertEqual(loop.now, clock.now - 3_000_000_000, "read once per turn, not per call")
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(loop.now, clock.now)
  }

  /// A deadline an hour away on the loop's clock would make epoll wait for as long as the
  /// clock allows (a minute at most); the turn's timeout caps that.
  func testATurnWaitsNoLongerThanItsTimeout() throws {
    let clock = ManualClock()
    let loop = try EventLoop(clock: clock.loopClock)
    let target = RecordingTarget()
    loop.schedule(target, at: clock.now + 3_600_000_000_000)
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(target.fired, [])
  }
}
