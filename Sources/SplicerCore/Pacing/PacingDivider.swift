import SplicerLoop
import SplicerSystem

/// One worker's part of dividing each listener's `listener_total` among the listener's active
/// connections (those that moved bytes in the last `period`): a timer that counts this
/// worker's active sessions and paces them anew when the share changed.
///
/// Owned by the `Worker`. It keeps one `FairShare` per listener of the worker that has a
/// total, keyed by the listener's `ListenerLimit` (shared by all workers and kept across
/// reloads and renames, like the counts it holds). Each worker adds the change of its own
/// count of active sessions to the limit's `activeConnections`, and every worker divides by
/// that sum, so every active connection gets the same share without the workers talking to
/// each other. Dividing by demand rather than by open connections means an idle connection
/// (a control connection beside data connections, a pooled database connection) takes no
/// share away from the busy ones.
///
/// Nothing happens per byte: activity is `Relay.lastActivity`, which the relay keeps anyway.
/// A session gets the current share when it starts relaying (`share(for:)`, counting itself
/// in), and the timer, every `period` and only while a listener has a total, counts and
/// re-paces the sessions of a listener whose share changed (two setsockopt(2) calls per
/// session at most, none for a socket whose cap stays); idle sessions are paced at the share
/// too. So when connections start sending (new ones, or idle ones waking up), those already
/// sending keep the larger share for up to one period, and the listener may exceed its total
/// for that long; when they stop, the others speed up within a period.
final class PacingDivider: TimerTarget {
  /// How often the counts are looked at.
  static let period: UInt64 = 200_000_000

  private struct Group {
    let limit: ListenerLimit
    var share: FairShare
    /// The share changed since the sessions were last paced.
    var changed: Bool
    /// This worker's part of `limit.activeConnections`, as it last added it.
    var published = 0
  }

  private unowned let worker: Worker
  private var groups: [Group] = []
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  init(worker: Worker) {
    self.worker = worker
  }

  /// Whether any listener of the worker has a total.
  var isDividing: Bool { !groups.isEmpty }

  /// The share for a session of `listener` that starts relaying now; nil when the listener
  /// has no total.
  ///
  /// The session is counted in at once, on every worker (the next count corrects it), and it
  /// starts at the share of the listener's open connections when that is smaller: a new
  /// session's demand is unknown, and a response that fits in the socket buffers may be
  /// handed to the kernel, and the session closed, before the next count; the kernel then
  /// sends it at the pace it was given here.
  func share(for listener: ListenerContext) -> UInt64? {
    guard let index = groups.firstIndex(where: { $0.limit === listener.limit }) else { return nil }
    let limit = listener.limit
    limit.addActive(1)
    groups[index].published += 1
    if groups[index].share.update(connections: max(limit.connections, limit.activeConnections)) {
      groups[index].changed = true
    }
    return groups[index].share.bytesPerSecond
  }

  /// Takes the worker's listeners after start-up or a reload. The open sessions of a
  /// listener whose total is new or changed are paced to the new share at once; those of one
  /// that lost its total (or went away) go back to their own limits at once.
  func update(listeners: [ListenerContext]) {
    var next: [Group] = []
    var changed: [Group] = []
    for context in listeners {
      guard let total = context.rateLimit.listenerTotal.map(UInt64.init) else { continue }
      if let kept = groups.first(where: { $0.limit === context.limit }), kept.share.total == total {
        next.append(kept)
      } else {
        let group = Group(
          limit: context.limit, share: FairShare(total: total, connections: context.limit.activeConnections),
          changed: false)
        next.append(group)
        changed.append(group)
      }
    }
    let dropped = groups.filter { old in !next.contains { $0.limit === old.limit } }
    groups = next
    for group in dropped {
      group.limit.addActive(-group.published)
      pace(group.limit, share: nil)
    }
    for group in changed { pace(group.limit, share: group.share.bytesPerSecond) }
    if groups.isEmpty {
      worker.loop.cancelTimer(self)
    } else if timerSlot < 0 {
      worker.loop.schedule(self, at: worker.loop.now &+ Self.period)
    }
  }

  func timerFired(now: UInt64) {
    let counts = activeSessions(now: now)
    var repace: [Int] = []
    for index in groups.indices {
      let limit = groups[index].limit
      limit.addActive(counts[index] - groups[index].published)
      groups[index].published = counts[index]
      let changed = groups[index].share.update(connections: limit.activeConnections)
      guard changed || groups[index].changed else { continue }
      groups[index].changed = false
      repace.append(index)
    }
    // A second walk only when some listener's share moved, and one walk for all of them.
    if !repace.isEmpty { pace(groups: repace) }
    worker.loop.schedule(self, at: now &+ Self.period)
  }

  /// This worker's sessions of each group's listener (by index in `groups`) that moved bytes
  /// within the last period (a session that has just started relaying counts: its relay's
  /// activity starts then), or whose sockets still hold bytes the kernel has not sent; one
  /// walk over the worker's sessions for all groups.
  ///
  /// The second test matters because a paced socket's send buffer can take a whole response
  /// in one splice and then drain it for seconds at the paced rate: the relay sees no activity
  /// while the connection is still using its share. It costs one or two ioctl(2) calls per
  /// quiet session per period, and only for listeners with a total.
  private func activeSessions(now: UInt64) -> [Int] {
    var counts = [Int](repeating: 0, count: groups.count)
    for session in worker.sessions {
      guard let relay = session.phase.relay, let index = groupIndex(of: session.listener.limit) else { continue }
      if now &- relay.lastActivity < Self.period || Socket.unsentBytes(session.client) > 0
        || Socket.unsentBytes(relay.server) > 0
      {
        counts[index] += 1
      }
    }
    return counts
  }

  /// Paces this worker's sessions of the listeners of `indices` (into `groups`) to their
  /// groups' current shares.
  private func pace(groups indices: [Int]) {
    for session in worker.sessions {
      guard let index = groupIndex(of: session.listener.limit), indices.contains(index) else { continue }
      session.pace(share: groups[index].share.bytesPerSecond)
    }
  }

  /// The few listeners with a total are searched in order: fewer than a handful per worker.
  private func groupIndex(of limit: ListenerLimit) -> Int? {
    groups.firstIndex { $0.limit === limit }
  }

  /// Paces this worker's relaying sessions of the listener counted by `limit`.
  private func pace(_ limit: ListenerLimit, share: UInt64?) {
    for session in worker.sessions where session.listener.limit === limit {
      session.pace(share: share)
    }
  }
}
