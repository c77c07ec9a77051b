import SplicerLoop
import Synchronization

@testable import SplicerCore

/// A clock that moves only when the test moves it, for a loop the test drives turn by turn
/// (in the spirit of swift-nio's `EmbeddedEventLoop.advanceTime(by:)`).
final class ManualClock: Sendable {
  private let nanoseconds: Atomic<UInt64>

  /// Starts well above zero, so that no deadline computed from it is ever zero.
  init(start: UInt64 = 1_000_000_000_000) {
    nanoseconds = Atomic(start)
  }

  var now: UInt64 { nanoseconds.load(ordering: .relaxed) }

  func advance(by duration: Duration) {
    advance(nanoseconds: duration.nanoseconds)
  }

  func advance(nanoseconds amount: UInt64) {
    nanoseconds.add(amount, ordering: .relaxed)
  }

  /// The clock as an event loop reads it.
  var loopClock: LoopClock {
    LoopClock { [self] in now }
  }
}
