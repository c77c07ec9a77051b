import SplicerSystem

/// Where an `EventLoop` reads the time: monotonic nanoseconds for its timers and its `now`.
///
/// The loop owns one, chosen when it is made, and reads it twice per turn (for the epoll
/// timeout and after the wait), never per event. Production loops use `monotonic`, which is
/// `CLOCK_MONOTONIC` read as it always was. A test passes a clock it moves by hand, and then
/// drives the loop one turn at a time (`EventLoop.runOnce(timeout:)`): a timer fires in the
/// first turn that finds the clock at or past its deadline, however long the test really took.
public struct LoopClock: Sendable {
  /// The current time in nanoseconds; never goes backwards.
  public let now: @Sendable () -> UInt64

  public init(now: @escaping @Sendable () -> UInt64) {
    self.now = now
  }

  /// `CLOCK_MONOTONIC`, the clock of every loop the proxy runs.
  public static let monotonic = LoopClock { MonotonicClock.now() }
}
