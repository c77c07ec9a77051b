import Synchronization

/// A listener's connection counts across every worker: the open connections, held to its
/// `max_connections`, and the active ones, among which `listener_total` is divided.
///
/// One per listener, kept by `ProxyServer` across reloads (and handed on when a reload renames
/// the listener on the same address) so that connections accepted under the old
/// configuration still count against the listener they belong to, and still give their slot
/// back to it. At the limit a
/// worker stops watching its listening socket, so further clients wait in the kernel's
/// backlog rather than being accepted and dropped; the close that frees a slot wakes the
/// workers that paused.
public final class ListenerLimit: Sendable {
  private let open = Atomic<Int>(0)
  /// The sum of every worker's last count of its sessions that moved bytes in the last
  /// `PacingDivider.period`; each worker adds the change of its own count.
  private let active = Atomic<Int>(0)
  private let limit: Atomic<Int>

  /// - Parameter maximum: nil for no limit.
  public init(maximum: Int?) {
    limit = Atomic(maximum ?? .max)
  }

  /// A reload may change the limit; connections over a lowered limit are not closed, the
  /// listener just accepts no more until enough of them end.
  public func setMaximum(_ maximum: Int?) {
    limit.store(maximum ?? .max, ordering: .relaxed)
  }

  public var maximum: Int? {
    let value = limit.load(ordering: .relaxed)
    return value == .max ? nil : value
  }

  /// Connections accepted and not yet closed.
  public var connections: Int { open.load(ordering: .relaxed) }

  /// Connections that moved bytes lately, as the workers last counted them
  /// (`PacingDivider`); only counted while the listener has a `listener_total`.
  public var activeConnections: Int { active.load(ordering: .relaxed) }

  /// Adds the change of one worker's count of active connections.
  public func addActive(_ change: Int) {
    active.add(change, ordering: .relaxed)
  }

  /// Whether another connection may be accepted now.
  public var hasRoom: Bool { open.load(ordering: .relaxed) < limit.load(ordering: .relaxed) }

  /// Takes a slot for a connection about to be accepted; false at the limit.
  public func tryAcquire() -> Bool {
    var current = open.load(ordering: .relaxed)
    while current < limit.load(ordering: .relaxed) {
      let (exchanged, original) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
      if exchanged { return true }
      current = original
    }
    return false
  }

  /// Gives a slot back; returns true when the listener was at its limit before, i.e. when
  /// workers may have paused accepting and should look again.
  /// Takes a slot for a session adopted from the old process in a live upgrade, whatever the
  /// limit: the session was admitted there, so it counts here even above a lowered maximum.
  public func adopt() {
    open.add(1, ordering: .relaxed)
  }

  public func release() -> Bool {
    let before = open.subtract(1, ordering: .relaxed).oldValue
    return before >= limit.load(ordering: .relaxed)
  }
}
