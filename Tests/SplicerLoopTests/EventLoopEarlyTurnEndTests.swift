import Glibc
import SplicerSystem
import Synchronization
import XCTest

@testable import SplicerLoop

/// Notes each readiness of its socket under `name` and reads the byte that caused it; the
/// one marked `cutsTurn` asks its loop to end its turns early, as a freeze request does.
private final class NotingHandler: EventHandler {
  let name: String
  let journal: Journal
  unowned let loop: EventLoop
  let cutsTurn: Bool

  init(_ name: String, _ journal: Journal, loop: EventLoop, cutsTurn: Bool = false) {
    self.name = name
    self.journal = journal
    self.loop = loop
    self.cutsTurn = cutsTurn
  }

  func handle(_ events: EpollEvents, fd: Int32) {
    journal.entries.append(name)
    var byte: UInt8 = 0
    _ = read(fd, &byte, 1)
    if cutsTurn { loop.endTurnsEarly() }
  }
}

/// Deferred work that asks its loop to end its turns early, as a freeze request arriving
/// from another thread during a run of deferred pumps does.
private final class CuttingWork: DeferredWork {
  let journal: Journal
  unowned let loop: EventLoop
  init(_ journal: Journal, loop: EventLoop) {
    self.journal = journal
    self.loop = loop
  }
  func runDeferred() {
    journal.entries.append("cutting")
    loop.endTurnsEarly()
  }
}

private final class NotingWork: DeferredWork {
  let journal: Journal
  init(_ journal: Journal) { self.journal = journal }
  func runDeferred() { journal.entries.append("deferred") }
}

/// `EventLoop.endTurnsEarly`: what a worker's freeze relies on to stop within one handler
/// instead of one whole turn, and that EPOLL_CTL_ADD gives back the edge it dropped.
final class EventLoopEarlyTurnEndTests: XCTestCase {
  private var descriptors: [Int32] = []

  override func tearDown() {
    for fd in descriptors { close(fd) }
    descriptors = []
  }

  /// A connected pair of stream sockets: (the one the loop watches, the peer that writes).
  private func socketPair() throws -> (watched: Int32, peer: Int32) {
    var pair: [Int32] = [0, 0]
    XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair), 0)
    descriptors += pair
    return (pair[0], pair[1])
  }

  private func poke(_ fd: Int32) {
    var byte: UInt8 = 1
    XCTAssertEqual(write(fd, &byte, 1), 1)
  }

  func testACutTurnDropsTheRestOfItsEventsKeepsDeferredWorkAndStillWakesAndFiresTimers() throws {
    let time = Atomic<UInt64>(1_000)
    let loop = try EventLoop(clock: LoopClock { time.load(ordering: .relaxed) })
    let journal = Journal()
    loop.onWake = { journal.entries.append("wake") }
    let first = try socketPair()
    let second = try socketPair()
    let cutting = NotingHandler("first", journal, loop: loop, cutsTurn: true)
    let dropped = NotingHandler("second", journal, loop: loop)
    try loop.register(first.watched, events: [.readable, .edgeTriggered], handler: cutting)
    try loop.register(second.watched, events: [.readable, .edgeTriggered], handler: dropped)
    // Ready in this order, so epoll reports them in this order.
    poke(first.peer)
    poke(second.peer)
    let work = NotingWork(journal)
    loop.runSoon(work)
    loop.schedule(RecordingTimer(journal), at: 1_000)
    loop.afterTurn = { journal.entries.append("after") }

    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries, ["first", "timer", "after"], "the second socket's event and the work are left")

    // Still cut short: the wake-up the request signalled runs, the kept work does not.
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries, ["first", "timer", "after", "wake", "after"])
    let kept = loop.takeDeferred()
    XCTAssertEqual(kept.count, 1)
    XCTAssertTrue(kept.first === work)

    // The dropped edge is not reported again by itself; adding the socket again reports its
    // readiness afresh, as a session's registration at its resume or adoption does.
    loop.afterTurn = nil
    loop.finishTurnsWhole()
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries.count, 5, "\(journal.entries)")
    loop.unwatch(second.watched)
    try loop.register(second.watched, events: [.readable, .edgeTriggered], handler: dropped)
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries.last, "second")
  }

  func testADeferredRunCutShortPutsWhatIsLeftBackInOrder() throws {
    let loop = try EventLoop()
    let journal = Journal()
    let cutting = CuttingWork(journal, loop: loop)
    let left = [NotingWork(journal), NotingWork(journal)]
    loop.runSoon(cutting)
    for work in left { loop.runSoon(work) }
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries, ["cutting"], "the run stops after the item that cut the turn")
    let kept = loop.takeDeferred()
    XCTAssertEqual(kept.count, 2)
    XCTAssertTrue(kept[0] === left[0] && kept[1] === left[1], "in their order")
  }

  func testWholeTurnsAgainAfterFinishTurnsWhole() throws {
    let loop = try EventLoop()
    let journal = Journal()
    let first = try socketPair()
    let handler = NotingHandler("first", journal, loop: loop)
    try loop.register(first.watched, events: [.readable, .edgeTriggered], handler: handler)
    loop.endTurnsEarly()
    loop.finishTurnsWhole()
    poke(first.peer)
    loop.runSoon(NotingWork(journal))
    try loop.runOnce(timeout: .zero)
    XCTAssertEqual(journal.entries, ["first", "deferred"])
  }
}
