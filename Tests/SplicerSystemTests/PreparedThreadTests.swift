import SplicerSystem
import XCTest

/// `PreparedThread`: made at once, its body runs only once launched, never once cancelled.
final class PreparedThreadTests: XCTestCase {
  func testTheBodyRunsOnlyOnceLaunched() throws {
    let ran = PthreadLocked(false)
    let thread = try PreparedThread(name: "test-prepared") { ran.withLock { $0 = true } }
    XCTAssertFalse(ran.withLock { $0 }, "nothing runs before the launch")
    Threads.join(thread.launch())
    XCTAssertTrue(ran.withLock { $0 })
  }

  func testACancelledThreadEndsWithoutRunningItsBody() throws {
    let ran = PthreadLocked(false)
    let thread = try PreparedThread(name: "test-cancelled") { ran.withLock { $0 = true } }
    thread.cancel()
    XCTAssertFalse(ran.withLock { $0 })
  }
}
