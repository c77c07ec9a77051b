import Synchronization

/// Open connections per server, across all workers: what `least_connections` and
/// `random_two` compare and what a server's `max_connections` caps.
///
/// Indexed by the server's `StatsLayout` row (`Backend.id`), like `HealthBoard`. A session
/// takes a slot when it starts connecting to a server and gives it back when it closes (or the
/// attempt fails), so connects in flight count too: a burst of new connections cannot
/// overshoot a limit while their handshakes are under way.
public final class ServerLoadBoard: @unchecked Sendable {
  public let capacity: Int
  private let active: UnsafeMutablePointer<Atomic<Int>>

  public init(capacity: Int) {
    self.capacity = capacity
    active = .allocate(capacity: capacity)
    for i in 0..<capacity { (active + i).initialize(to: Atomic(0)) }
  }

  deinit {
    active.deinitialize(count: capacity)
    active.deallocate()
  }

  /// Connections open or opening to server `id` now.
  @inline(__always)
  public func connections(_ id: Int) -> Int {
    active[id].load(ordering: .relaxed)
  }

  /// Takes a slot on server `id` unless it already has `limit` connections; nil: no limit.
  /// Compare-and-swap, so two workers cannot both take the last slot.
  public func tryAcquire(_ id: Int, limit: Int?) -> Bool {
    guard let limit else {
      active[id].add(1, ordering: .relaxed)
      return true
    }
    var current = active[id].load(ordering: .relaxed)
    while current < limit {
      let (exchanged, original) = active[id].compareExchange(
        expected: current, desired: current + 1, ordering: .relaxed)
      if exchanged { return true }
      current = original
    }
    return false
  }

  /// Gives back a slot taken with `tryAcquire`.
  ///
  /// Sequentially consistent, and so is `connectionsSeenByQueue`: the freeing worker reads
  /// the pool's queue count next, and a queueing worker reads these counts after taking its
  /// queue place (see `BackendPool.queuedSessions`).
  /// Counts a connection adopted from the old process in a live upgrade (a `connecting` or
  /// relaying session), whatever the server's limit: it already held the slot there.
  public func adopt(_ id: Int) {
    active[id].add(1, ordering: .sequentiallyConsistent)
  }

  public func release(_ id: Int) {
    active[id].subtract(1, ordering: .sequentiallyConsistent)
  }

  /// Connections open or opening to server `id`, read in order with the queue count (for the
  /// check a session makes right after it joined a queue).
  public func connectionsSeenByQueue(_ id: Int) -> Int {
    active[id].load(ordering: .sequentiallyConsistent)
  }
}
