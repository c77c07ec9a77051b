import SplicerLoop
import Synchronization

/// A timer on each worker's loop that stamps the time every `period`, so that the main thread
/// can tell a live loop from a stuck one before it pings systemd's watchdog.
final class Heartbeat: TimerTarget, @unchecked Sendable {
  static let period: UInt64 = 250_000_000

  /// Monotonic nanoseconds of the last beat; read from any thread.
  let lastBeat = Atomic<UInt64>(0)
  private unowned let loop: EventLoop
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  init(loop: EventLoop) {
    self.loop = loop
  }

  func start() {
    lastBeat.store(loop.now, ordering: .relaxed)
    loop.schedule(self, at: loop.now &+ Self.period)
  }

  func timerFired(now: UInt64) {
    lastBeat.store(now, ordering: .relaxed)
    loop.schedule(self, at: now &+ Self.period)
  }
}
