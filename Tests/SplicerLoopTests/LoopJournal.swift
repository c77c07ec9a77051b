@testable import SplicerLoop

/// Records what a loop called, in order (the loop tests' shared journal).
final class Journal {
  var entries: [String] = []
}

/// A timer that notes `timer` in its journal when it fires.
final class RecordingTimer: TimerTarget {
  let journal: Journal
  var timerSlot = -1
  var timerDeadline: UInt64 = 0
  init(_ journal: Journal) { self.journal = journal }
  func timerFired(now: UInt64) { journal.entries.append("timer") }
}
