import Glibc
import SplicerSystem
import Synchronization

/// A thread of its own for work that comes due on a schedule (DNS lookups, SRV queries): it
/// runs a pass, then sleeps until the instant the pass asked for, a wake-up, or one second,
/// whichever comes first, until stopped.
///
/// Owned by the type whose work it runs (`HostnameResolver`, `ServiceDiscovery`), which calls
/// `wakeUp` when it has scheduled something sooner (a new name) and `stop` before it goes.
/// The one-second cap bounds how long a stop or a clock step can go unnoticed.
final class PollingThread: @unchecked Sendable {
  private let name: String
  private let wake: EventFD
  private let stopping = Atomic<Bool>(false)
  private var thread: pthread_t?
  /// Made by `prepare`, until `launch` or `stop`.
  private var prepared: PreparedThread?

  init(name: String) throws(SyscallError) {
    self.name = name
    wake = try EventFD()
  }

  /// Starts the thread. `pass` is given the monotonic time at its start and returns the
  /// instant its next work comes due, or nil when nothing is scheduled.
  func start(_ pass: @escaping @Sendable (_ now: UInt64) -> UInt64?) throws(SyscallError) {
    try prepare(pass)
    launch()
  }

  /// `start` in two steps: `prepare` creates the thread (which can fail) and `launch` lets it
  /// run passes (which cannot); a live upgrade's new process prepares before its commit.
  func prepare(_ pass: @escaping @Sendable (_ now: UInt64) -> UInt64?) throws(SyscallError) {
    precondition(thread == nil && prepared == nil, "\(name) started twice")
    prepared = try PreparedThread(name: name) { [self] in run(pass) }
  }

  /// Runs the prepared thread; nothing if none is prepared.
  func launch() {
    thread = prepared?.launch()
    prepared = nil
  }

  /// Makes the thread run a pass now.
  func wakeUp() {
    wake.signal()
  }

  /// Stops the thread after its current pass and waits for it.
  func stop() {
    prepared?.cancel()
    prepared = nil
    stopping.store(true, ordering: .releasing)
    wake.signal()
    if let thread { Threads.join(thread) }
    thread = nil
  }

  private func run(_ pass: (UInt64) -> UInt64?) {
    while !stopping.load(ordering: .acquiring) {
      let now = MonotonicClock.now()
      let next = pass(now)
      let waitMilliseconds = next.map { $0 > now ? Int32(clamping: ($0 - now) / 1_000_000 + 1) : 0 } ?? 1_000
      var entry = pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&entry, 1, min(waitMilliseconds, 1_000))
      wake.drain()
    }
  }
}
