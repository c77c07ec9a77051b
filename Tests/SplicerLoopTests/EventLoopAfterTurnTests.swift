import Synchronization
import XCTest

@testable import SplicerLoop

/// Deferred work that queues itself again once, as a session does that used up its budget
/// twice in a row.
private final class RequeuingWork: DeferredWork {
  let journal: Journal
  unowned let loop: EventLoop
  var runs = 0
  init(_ journal: Journal, loop: EventLoop) {
    self.journal = journal
    self.loop = loop
  }
  func runDeferred() {
    runs += 1
    journal.entries.append("deferred")
    if runs == 1 { loop.runSoon(self) }
  }
}

/// `EventLoop.afterTurn` runs last in a turn, and `takeDeferred` keeps work queued by then
/// from running: what a worker's freeze relies on.
final class EventLoopAfterTurnTests: XCTestCase {
  func testAfterTurnRunsAfterEventsTimersAndDeferredWorkAndCanTakeWhatIsLeft() throws {
    let time = Atomic<UInt64>(1_000)
    let loop = try EventLoop(clock: LoopClock { time.load(ordering: .relaxed) })
    let journal = Journal()
    loop.onWake = { journal.entries.append("wake") }
    loop.schedule(RecordingTimer(journal), at: 1_000)
    let work = RequeuingWork(journal, loop: loop)
    loop.runSoon(work)
    var taken: [DeferredWork] = []
    loop.afterTurn = {
      journal.entries.append("after")
      taken = loop.takeDeferred()
      loop.afterTurn = nil
    }
    loop.wake()
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries, ["wake", "timer", "deferred", "after"])
    XCTAssertEqual(taken.count, 1)
    XCTAssertTrue(taken.first === work)
    // Taken off the loop: the next turn runs neither the work nor the cleared hook.
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries.count, 4)
    XCTAssertEqual(work.runs, 1)
  }
}
