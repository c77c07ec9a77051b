import XCTest

@testable import SplicerLoop

private final class FakeTarget: TimerTarget {
  let name: Int
  var timerSlot = -1
  var timerDeadline: UInt64 = 0
  init(_ name: Int) { self.name = name }
  func timerFired(now: UInt64) {}
}

final class TimerHeapTests: XCTestCase {
  private func drain(_ heap: inout TimerHeap, now: UInt64 = .max) -> [Int] {
    var fired: [Int] = []
    while let target = heap.popExpired(now: now) { fired.append((target as! FakeTarget).name) }
    return fired
  }

  func testFiresInDeadlineOrderAndOnlyWhenDue() {
    var heap = TimerHeap()
    let targets = (0..<6).map(FakeTarget.init)
    for (target, deadline) in zip(targets, [50, 10, 40, 30, 20, 60] as [UInt64]) {
      heap.schedule(target, at: deadline)
    }
    XCTAssertEqual(heap.earliestDeadline, 10)
    XCTAssertEqual(drain(&heap, now: 35), [1, 4, 3])
    XCTAssertEqual(drain(&heap), [2, 0, 5])
    XCTAssertTrue(heap.isEmpty)
    XCTAssertTrue(targets.allSatisfy { $0.timerSlot == -1 })
  }

  func testRescheduleAndCancel() {
    var heap = TimerHeap()
    let targets = (0..<5).map(FakeTarget.init)
    for (index, target) in targets.enumerated() { heap.schedule(target, at: UInt64(10 * (index + 1))) }
    heap.schedule(targets[4], at: 5)  // earlier
    heap.schedule(targets[0], at: 100)  // later
    heap.cancel(targets[2])
    heap.cancel(targets[2])  // twice is harmless
    XCTAssertEqual(drain(&heap), [4, 1, 3, 0])
  }

  func testCancellingManyAtOnceKeepsTheRestInOrder() {
    // (deadlines, targets cancelled together, what fires after, in order)
    let cases: [([UInt64], [Int], [Int])] = [
      ([50, 10, 40, 30, 20, 60], [1, 3], [4, 2, 0, 5]),
      ([50, 10, 40, 30, 20, 60], [0, 1, 2, 3, 4, 5], []),
      ([50, 10, 40, 30, 20, 60], [], [1, 4, 3, 2, 0, 5]),
      ([5, 5, 7, 1, 9, 3, 8, 2], [7, 3, 6], [5, 0, 1, 2, 4]),
      ([10], [0, 0], []),
    ]
    for (deadlines, cancelled, expected) in cases {
      var heap = TimerHeap()
      let targets = deadlines.indices.map(FakeTarget.init)
      for (target, deadline) in zip(targets, deadlines) { heap.schedule(target, at: deadline) }
      let unscheduled = FakeTarget(99)
      heap.cancel(all: cancelled.map { targets[$0] } + [unscheduled])
      XCTAssertEqual(heap.count, expected.count, "\(deadlines) cancelling \(cancelled)")
      XCTAssertTrue(cancelled.allSatisfy { targets[$0].timerSlot == -1 })
      XCTAssertEqual(unscheduled.timerSlot, -1)
      // What is left can still be moved and cancelled one by one through its slot.
      if let first = expected.first {
        heap.cancel(targets[first])
        heap.schedule(targets[first], at: deadlines[first])
      }
      let fired = drain(&heap)
      XCTAssertEqual(
        fired.map { deadlines[$0] }, expected.map { deadlines[$0] }, "\(deadlines) cancelling \(cancelled)")
      XCTAssertEqual(Set(fired), Set(expected))
    }
  }

  func testRandomOperationsMatchASortedModel() {
    var generator = SystemRandomNumberGenerator()
    var heap = TimerHeap()
    let targets = (0..<200).map(FakeTarget.init)
    var model: [Int: UInt64] = [:]
    for _ in 0..<5_000 {
      let target = targets[Int.random(in: 0..<targets.count, using: &generator)]
      if Bool.random(using: &generator) {
        let deadline = UInt64.random(in: 0..<1_000_000, using: &generator)
        heap.schedule(target, at: deadline)
        model[target.name] = deadline
      } else {
        heap.cancel(target)
        model[target.name] = nil
      }
    }
    XCTAssertEqual(heap.count, model.count)
    var last: UInt64 = 0
    while let target = heap.popExpired(now: .max) {
      XCTAssertGreaterThanOrEqual(target.timerDeadline, last)
      XCTAssertEqual(model.removeValue(forKey: (target as! FakeTarget).name), target.timerDeadline)
      last = target.timerDeadline
    }
    XCTAssertTrue(model.isEmpty)
  }
}
