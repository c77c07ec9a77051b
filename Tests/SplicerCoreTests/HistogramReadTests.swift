import SplicerSystem
import XCTest

@testable import SplicerCore

/// `HistogramRead`: the read runs on its own thread, `wait` gives its result, and a read
/// never waited for (a rollback) is joined when it is dropped.
final class HistogramReadTests: XCTestCase {
  func testWaitGivesWhatTheReadReturnedFromAnotherThread() {
    let readers = PthreadLocked<[pthread_t]>([])
    let read = HistogramRead {
      readers.withLock { $0.append(pthread_self()) }
      return UpgradeWireFixtures.histograms
    }
    XCTAssertEqual(read.wait(), UpgradeWireFixtures.histograms)
    XCTAssertEqual(readers.withLock { $0.count }, 1)
    XCTAssertEqual(readers.withLock { pthread_equal($0[0], pthread_self()) }, 0, "read on the caller's thread")
  }

  func testAReadNeverWaitedForHasEndedOnceDropped() {
    let ended = PthreadLocked(false)
    do {
      _ = HistogramRead {
        // Long enough that a drop which did not join would be seen before the read ends.
        usleep(50_000)
        ended.withLock { $0 = true }
        return []
      }
    }
    XCTAssertTrue(ended.withLock { $0 })
  }
}
