import CSplicer
import SplicerSystem
import Synchronization

/// Something that reacts to readiness of the descriptors it registered.
public protocol EventHandler: AnyObject {
  func handle(_ events: EpollEvents, fd: Int32)
}

/// Work that did not finish within its budget and must run again without waiting for an
/// event (edge-triggered epoll will not report readiness that was already reported).
public protocol DeferredWork: AnyObject {
  func runDeferred()
}

/// One epoll loop, run by exactly one thread: descriptors, timers and deferred work.
///
/// Owns the epoll instance and the wake-up eventfd. Handlers are registered per descriptor;
/// the epoll token carries the descriptor and a generation, so that an event still queued for
/// a descriptor that was closed and reused in the same batch is recognised and dropped.
///
/// Reads the time only from its `LoopClock`: its timers, and so every timeout of the
/// sessions, listeners and probes on it, follow that clock.
public final class EventLoop {
  private struct Registration {
    var handler: EventHandler?
    var generation: UInt32
  }

  private let epoll: Epoll
  private let wakeup: EventFD
  private var registrations: [Registration] = []
  private var timers = TimerHeap()
  private var deferred: [DeferredWork] = []
  private let stopRequested = Atomic<Bool>(false)
  /// Set by `endTurnsEarly()` from any thread, cleared by `finishTurnsWhole()`.
  private let turnsCutShort = Atomic<Bool>(false)
  private let eventCapacity = 256
  private let events: UnsafeMutableBufferPointer<splicer_epoll_event>

  /// Where the loop reads the time.
  public let clock: LoopClock

  /// The clock's nanoseconds, refreshed once per wake-up; cheap enough to read per event.
  public private(set) var now: UInt64

  /// Called (on the loop thread) when another thread calls `wake()`.
  public var onWake: (() -> Void)?

  /// Called at the end of every turn while set, after the deferred work: the one point of a
  /// turn where no handler, timer or deferred run is on the stack, which is where a worker
  /// freezes and resumes (`Worker+Freezing`). Set only while such a change waits, so that
  /// ordinary turns pay one nil check.
  public var afterTurn: (() -> Void)?

  /// - Parameter clock: `monotonic` but in tests, which move time by hand.
  public init(clock: LoopClock = .monotonic) throws(SyscallError) {
    self.clock = clock
    now = clock.now()
    epoll = try Epoll()
    wakeup = try EventFD()
    events = .allocate(capacity: eventCapacity)
    try epoll.add(wakeup.fd, events: [.readable], token: UInt64.max)
  }

  deinit {
    events.deallocate()
  }

  // MARK: Descriptors

  /// Registers `fd` for `events` on behalf of `handler`.
  public func register(_ fd: Int32, events: EpollEvents, handler: EventHandler) throws(SyscallError) {
    let index = Int(fd)
    if index >= registrations.count {
      registrations.append(
        contentsOf: repeatElement(Registration(handler: nil, generation: 0), count: index + 1 - registrations.count))
    }
    registrations[index].generation &+= 1
    registrations[index].handler = handler
    do {
      try epoll.add(fd, events: events, token: token(for: fd))
    } catch {
      registrations[index].handler = nil
      throw error
    }
  }

  /// Stops watching `fd`, which stays open (a paused listener).
  public func unwatch(_ fd: Int32) {
    epoll.remove(fd)
    forget(fd)
  }

  /// Forgets `fd` just before the caller closes it. Closing the last descriptor of a socket
  /// removes it from epoll by itself, which saves an epoll_ctl per socket; the generation bump
  /// makes any event already queued for it in this batch stale.
  public func forget(_ fd: Int32) {
    let index = Int(fd)
    if index < registrations.count {
      registrations[index].handler = nil
      registrations[index].generation &+= 1
    }
  }

  private func token(for fd: Int32) -> UInt64 {
    UInt64(registrations[Int(fd)].generation) << 32 | UInt64(UInt32(bitPattern: fd))
  }

  // MARK: Timers and deferred work

  public func schedule(_ target: TimerTarget, at deadline: UInt64) {
    timers.schedule(target, at: deadline)
  }

  public func cancelTimer(_ target: TimerTarget) {
    timers.cancel(target)
  }

  /// Cancels the timers of all `targets` at once (those not scheduled are skipped): one pass
  /// over the heap instead of one sift per target.
  public func cancelTimers(_ targets: some Sequence<TimerTarget>) {
    timers.cancel(all: targets)
  }

  /// Runs `work` after the current batch of events, before the loop sleeps again.
  public func runSoon(_ work: DeferredWork) {
    deferred.append(work)
  }

  /// Removes and returns the work queued with `runSoon` that has not run yet: a loop whose
  /// owner freezes must not run it meanwhile (its owner decides what to redo at resume).
  public func takeDeferred() -> [DeferredWork] {
    defer { deferred.removeAll() }
    return deferred
  }

  // MARK: Running

  /// Asks the loop to return from `run()`; safe from any thread.
  public func requestStop() {
    stopRequested.store(true, ordering: .releasing)
    wakeup.signal()
  }

  /// Wakes the loop so that it runs `onWake`; safe from any thread.
  public func wake() {
    wakeup.signal()
  }

  /// Asks the loop, from any thread, to reach the end of its turn (`afterTurn`) as soon as
  /// the handler or deferred run going on now returns, and to keep its turns that short until
  /// `finishTurnsWhole()`: the rest of each turn's socket events are dropped, its deferred
  /// work is kept (for `takeDeferred`) and not run; wake-ups still run `onWake` and expired
  /// timers still fire (a session's timer can then fire before its dropped readiness is
  /// seen: its deadline has passed, so it acts as a timer that won the race would). Wakes
  /// the loop.
  ///
  /// A worker freezing for a live upgrade uses it so that the freeze does not wait for a turn
  /// that pumps hundreds of busy sessions. Only for an owner that is about to take every
  /// edge-triggered registration out and add it again before it counts on an edge (the
  /// freeze's sessions and mirrors are registered again at their resume or adoption, and
  /// EPOLL_CTL_ADD reports their readiness afresh): a dropped edge is otherwise lost.
  public func endTurnsEarly() {
    turnsCutShort.store(true, ordering: .releasing)
    wakeup.signal()
  }

  /// Turns run whole again (see `endTurnsEarly`); on the loop's thread.
  public func finishTurnsWhole() {
    turnsCutShort.store(false, ordering: .releasing)
  }

  /// Runs until `requestStop()`. Errors from epoll_wait other than EINTR are fatal to the loop.
  public func run() throws(SyscallError) {
    while !stopRequested.load(ordering: .acquiring) {
      try runOnce()
    }
  }

  /// One turn: one wait, its events, the expired timers, the deferred work and `afterTurn`.
  ///
  /// - Parameter timeout: the longest the wait may last; nil waits for the next event or
  ///   timer. A test that moves the clock by hand passes zero (or a bound for the kernel to
  ///   deliver a socket event): the clock's deadlines say nothing about real time.
  /// Reads the clock again outside a turn: for work that runs on the loop's thread before its
  /// first turn (a live upgrade's adoption, whose staging may have taken a while), so that
  /// the timers it arms count from now.
  public func refreshNow() {
    now = clock.now()
  }

  public func runOnce(timeout: Duration? = nil) throws(SyscallError) {
    var wait = waitTimeout()
    if let timeout {
      let limit = Int32(clamping: timeout.nanoseconds / 1_000_000)
      if wait < 0 || wait > limit { wait = limit }
    }
    let count = try epoll.wait(into: events, timeoutMilliseconds: wait)
    now = clock.now()
    for i in 0..<count {
      let event = events[i]
      if event.data == UInt64.max {
        wakeup.drain()
        onWake?()
        continue
      }
      // A turn cut short (`endTurnsEarly`) drops the rest of its socket events.
      if turnsCutShort.load(ordering: .acquiring) { continue }
      let fd = Int32(truncatingIfNeeded: event.data & 0xFFFF_FFFF)
      let generation = UInt32(truncatingIfNeeded: event.data >> 32)
      let index = Int(fd)
      guard index < registrations.count, registrations[index].generation == generation,
        let handler = registrations[index].handler
      else { continue }
      handler.handle(EpollEvents(rawValue: event.events), fd: fd)
    }
    while let target = timers.popExpired(now: now) {
      target.timerFired(now: now)
    }
    if !deferred.isEmpty, !turnsCutShort.load(ordering: .acquiring) {
      let work = deferred
      deferred.removeAll(keepingCapacity: true)
      for (position, item) in work.enumerated() {
        // Cut short meanwhile: what has not run goes back first, in order, for `takeDeferred`.
        if position > 0, turnsCutShort.load(ordering: .acquiring) {
          deferred.insert(contentsOf: work[position...], at: 0)
          break
        }
        item.runDeferred()
      }
    }
    if let afterTurn { afterTurn() }
  }

  private func waitTimeout() -> Int32 {
    if !deferred.isEmpty { return 0 }
    guard let deadline = timers.earliestDeadline else { return -1 }
    let current = clock.now()
    if deadline <= current { return 0 }
    // Round up so that the loop never wakes a little early and spins until the deadline.
    let milliseconds = (deadline - current + 999_999) / 1_000_000
    return Int32(min(milliseconds, 60_000))
  }
}
