import XCTest

@testable import SplicerCore

final class SessionTimelineTests: XCTestCase {
  func testConnectLatencyIsZeroUntilConnected() {
    let cases: [(started: UInt64?, connected: UInt64?, expected: UInt64)] = [
      (nil, nil, 0),
      (150, nil, 0),
      (150, 400, 250),
    ]
    for (started, connected, expected) in cases {
      var timeline = SessionTimeline(acceptedAt: 100)
      timeline.connectStartedAt = started
      timeline.connectedAt = connected
      XCTAssertEqual(timeline.connectNanoseconds, expected, "started \(String(describing: started))")
    }
  }

  func testQueuedTimeEndsAtTheAttemptThatFollowedTheQueue() {
    // now is 1000 in every row.
    let cases: [(queued: UInt64?, started: UInt64?, expected: UInt64?)] = [
      (nil, nil, nil),
      (nil, 300, nil),
      // Still queued, or closed from the queue: until now.
      (200, nil, 800),
      // An attempt before the queue does not end it.
      (200, 150, 800),
      // An attempt after the queue ends it.
      (200, 700, 500),
    ]
    for (queued, started, expected) in cases {
      var timeline = SessionTimeline(acceptedAt: 100)
      timeline.queuedAt = queued
      timeline.connectStartedAt = started
      XCTAssertEqual(
        timeline.queuedNanoseconds(now: 1000), expected,
        "queued \(String(describing: queued)), started \(String(describing: started))")
    }
  }
}
