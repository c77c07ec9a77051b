/// Something an `EventLoop` can call back at a deadline.
///
/// The heap stores its position in `timerSlot` so that cancelling or moving a deadline is
/// O(log n) without searching; `-1` means not scheduled.
public protocol TimerTarget: AnyObject {
  var timerSlot: Int { get set }
  var timerDeadline: UInt64 { get set }
  func timerFired(now: UInt64)
}

/// A binary min-heap of timer targets ordered by deadline (monotonic nanoseconds).
///
/// Each target has at most one deadline at a time. Owned by one event loop; not thread-safe.
struct TimerHeap {
  private var items: [TimerTarget] = []

  var isEmpty: Bool { items.isEmpty }
  var count: Int { items.count }
  var earliestDeadline: UInt64? { items.first?.timerDeadline }

  /// Schedules `target` at `deadline`, moving it if it is already scheduled.
  mutating func schedule(_ target: TimerTarget, at deadline: UInt64) {
    if target.timerSlot >= 0 {
      let old = target.timerDeadline
      target.timerDeadline = deadline
      if deadline < old { siftUp(target.timerSlot) } else { siftDown(target.timerSlot) }
      return
    }
    target.timerDeadline = deadline
    target.timerSlot = items.count
    items.append(target)
    siftUp(items.count - 1)
  }

  mutating func cancel(_ target: TimerTarget) {
    let slot = target.timerSlot
    guard slot >= 0 else { return }
    let last = items.count - 1
    if slot != last {
      swapAt(slot, last)
    }
    items.removeLast()
    target.timerSlot = -1
    if slot < items.count {
      siftDown(slot)
      siftUp(slot)
    }
  }

  /// Cancels every scheduled target in `targets` in one pass: the rest are compacted and the
  /// heap rebuilt bottom-up, O(n) in all, where cancelling them one by one costs a sift each
  /// (a worker freezing for a live upgrade cancels thousands at once).
  mutating func cancel(all targets: some Sequence<TimerTarget>) {
    var cancelled = 0
    for target in targets where target.timerSlot >= 0 {
      // -1 marks it for the compaction below; a scheduled target's slot is never negative.
      target.timerSlot = -1
      cancelled += 1
    }
    guard cancelled > 0 else { return }
    items.removeAll { $0.timerSlot < 0 }
    for index in items.indices { items[index].timerSlot = index }
    for index in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
  }

  /// Removes and returns the earliest target if its deadline is at or before `now`.
  mutating func popExpired(now: UInt64) -> TimerTarget? {
    guard let first = items.first, first.timerDeadline <= now else { return nil }
    cancel(first)
    return first
  }

  private mutating func swapAt(_ a: Int, _ b: Int) {
    items.swapAt(a, b)
    items[a].timerSlot = a
    items[b].timerSlot = b
  }

  private mutating func siftUp(_ start: Int) {
    var child = start
    while child > 0 {
      let parent = (child - 1) / 2
      guard items[child].timerDeadline < items[parent].timerDeadline else { return }
      swapAt(child, parent)
      child = parent
    }
  }

  private mutating func siftDown(_ start: Int) {
    var parent = start
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < items.count && items[left].timerDeadline < items[smallest].timerDeadline { smallest = left }
      if right < items.count && items[right].timerDeadline < items[smallest].timerDeadline { smallest = right }
      if smallest == parent { return }
      swapAt(parent, smallest)
      parent = smallest
    }
  }
}
