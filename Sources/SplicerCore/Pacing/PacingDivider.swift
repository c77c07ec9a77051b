import SplicerLoop

/// One worker's part of dividing each listener's `listener_total` among the listener's open
/// connections: a timer that paces this worker's sessions anew when the share changed.
///
/// Owned by the `Worker`. It keeps one `FairShare` per listener of the worker that has a
/// total, keyed by the listener's `ListenerLimit` (shared by all workers and kept across
/// reloads and renames, like the count it holds). Every worker divides by the same count, the
/// listener's connections on all workers, so every connection gets the same share without
/// the workers talking to each other.
///
/// Nothing happens per byte. A session gets the current share when it starts relaying
/// (`share(for:)`), and the timer, every `period` and only while a listener has a total, looks
/// at each count and re-paces the sessions of a listener whose share changed (two
/// setsockopt(2) calls per session at most, none for a socket whose cap stays). So when
/// connections come, the ones already open keep the larger share for up to one period, and
/// the listener may exceed its total for that long; when they go, the others speed up within
/// a period.
final class PacingDivider: TimerTarget {
  /// How often the counts are looked at.
  static let period: UInt64 = 200_000_000

  private struct Group {
    let limit: ListenerLimit
    var share: FairShare
    /// The share changed since the sessions were last paced.
    var changed: Bool
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
  /// has no total. Counts the connection in, so the session never starts above the share.
  func share(for listener: ListenerContext) -> UInt64? {
    guard let index = groups.firstIndex(where: { $0.limit === listener.limit }) else { return nil }
    if groups[index].share.update(connections: listener.limit.connections) {
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
          limit: context.limit, share: FairShare(total: total, connections: context.limit.connections), changed: false)
        next.append(group)
        changed.append(group)
      }
    }
    let dropped = groups.filter { old in !next.contains { $0.limit === old.limit } }
    groups = next
    for group in dropped { pace(group.limit, share: nil) }
    for group in changed { pace(group.limit, share: group.share.bytesPerSecond) }
    if groups.isEmpty {
      worker.loop.cancelTimer(self)
    } else if timerSlot < 0 {
      worker.loop.schedule(self, at: worker.loop.now &+ Self.period)
    }
  }

  func timerFired(now: UInt64) {
    for index in groups.indices {
      let changed = groups[index].share.update(connections: groups[index].limit.connections)
      guard changed || groups[index].changed else { continue }
      groups[index].changed = false
      pace(groups[index].limit, share: groups[index].share.bytesPerSecond)
    }
    worker.loop.schedule(self, at: now &+ Self.period)
  }

  /// Paces this worker's relaying sessions of the listener counted by `limit`.
  private func pace(_ limit: ListenerLimit, share: UInt64?) {
    for session in worker.sessions where session.listener.limit === limit {
      session.pace(share: share)
    }
  }
}
