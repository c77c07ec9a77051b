import Synchronization

/// Every server's up/down status and health counters, shared by the health checker (which
/// writes it) and the workers (which read it on each connect and report passive failures).
///
/// Indexed by the server's `StatsLayout` row (`Backend.id`), which a reload keeps for a server
/// that stays, so health survives a reload. All cells are atomics: a worker's read is one
/// relaxed load, no lock.
public final class HealthBoard: @unchecked Sendable {
  public enum Counter: Int, CaseIterable, Sendable {
    case checksPassed
    case checksFailed
    /// Checks not made because the proxy itself lacked a resource (a local port, a
    /// descriptor): they say nothing about the server, so they count neither way.
    case checksSkipped
    case wentDown
    case wentUp
    case passiveDowns
  }

  public let capacity: Int
  // Read by `isUp`, which is inlined into the workers' picks in SplicerCore.
  @usableFromInline let down: UnsafeMutablePointer<Atomic<Bool>>
  // Internal rather than private for `HealthBoard+Seeding`.
  let passiveFailures: UnsafeMutablePointer<Atomic<UInt32>>
  let counters: UnsafeMutablePointer<Atomic<UInt64>>

  public init(capacity: Int) {
    self.capacity = capacity
    down = .allocate(capacity: capacity)
    passiveFailures = .allocate(capacity: capacity)
    counters = .allocate(capacity: capacity * Counter.allCases.count)
    for i in 0..<capacity {
      (down + i).initialize(to: Atomic(false))
      (passiveFailures + i).initialize(to: Atomic(0))
    }
    for i in 0..<(capacity * Counter.allCases.count) { (counters + i).initialize(to: Atomic(0)) }
  }

  deinit {
    down.deinitialize(count: capacity)
    down.deallocate()
    passiveFailures.deinitialize(count: capacity)
    passiveFailures.deallocate()
    counters.deinitialize(count: capacity * Counter.allCases.count)
    counters.deallocate()
  }

  @inlinable
  public func isUp(_ row: Int) -> Bool { !down[row].load(ordering: .relaxed) }

  /// Set by the health checker.
  public func setUp(_ row: Int, _ up: Bool) {
    down[row].store(!up, ordering: .relaxed)
    if up { passiveFailures[row].store(0, ordering: .relaxed) }
  }

  public func count(_ row: Int, _ counter: Counter) {
    counters[row * Counter.allCases.count + counter.rawValue].wrappingAdd(1, ordering: .relaxed)
  }

  public func value(_ row: Int, _ counter: Counter) -> UInt64 {
    counters[row * Counter.allCases.count + counter.rawValue].load(ordering: .relaxed)
  }

  // MARK: Passive observation, from any worker

  /// A connect to the server failed. Returns true when this failure took it down (the
  /// `threshold`-th in a row while it was up); the caller logs that once.
  public func recordConnectFailure(_ row: Int, threshold: Int) -> Bool {
    let failures = passiveFailures[row].wrappingAdd(1, ordering: .relaxed).newValue
    guard failures >= threshold else { return false }
    // Only the worker that flips the flag reports the transition.
    let (exchanged, _) = down[row].compareExchange(expected: false, desired: true, ordering: .relaxed)
    if exchanged { count(row, .passiveDowns) }
    return exchanged
  }

  public func recordConnectSuccess(_ row: Int) {
    if passiveFailures[row].load(ordering: .relaxed) != 0 { passiveFailures[row].store(0, ordering: .relaxed) }
  }
}
