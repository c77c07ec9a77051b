import SplicerLoop

/// Freezing a session for a live upgrade, and resuming it (docs/design/live-upgrade.md, §6).
///
/// A frozen session is inert: its sockets stay open but are out of epoll (`EventLoop.unwatch`,
/// EPOLL_CTL_DEL, not a close), its timer is cancelled with its deadline kept by the worker,
/// and no pump of it is queued. Nothing reads, writes, shuts down or sets an option on its
/// sockets until it resumes, so the peers see only a pause, and what they send meanwhile
/// waits in the kernel's socket queues. Its phase, relay, pipes (those holding bytes) and
/// slots are untouched.
extension Session {
  /// Stops the session at its worker's safe point (the end of a loop turn: no handler of
  /// it is running and its phase is written back). Returns its timer's deadline (nil when
  /// none was armed) and whether a deferred pump was queued, which the worker has taken off
  /// the loop. The timer itself is left scheduled: the worker cancels every frozen session's
  /// at once (`EventLoop.cancelTimers`), before the loop runs again.
  func freeze() -> (deadline: UInt64?, pumpOnce: Bool) {
    let loop = worker.loop
    let deadline: UInt64? = timerSlot >= 0 ? timerDeadline : nil
    let pumpOnce = deferredRunQueued
    deferredRunQueued = false
    loop.unwatch(client)
    if let upstream = phase.upstream { loop.unwatch(upstream.server) }
    // An empty pipe (a direction that yielded right after a flush) goes back to the pool;
    // one that holds bytes stays with its direction.
    if let relay = phase.relay {
      let resources = worker.resources
      relay.toServer.releaseIfEmpty(resources)
      relay.toClient.releaseIfEmpty(resources)
    }
    return (deadline, pumpOnce)
  }

  /// Carries on after a freeze: the sockets are watched again (`rearm`) and the timer is
  /// re-armed at its original absolute `deadline`. A deadline that passed while frozen fires
  /// at the next turn, as a timer does whose deadline passed while the loop was busy.
  func resume(deadline: UInt64?) {
    guard !phase.isClosed else { return }
    rearm()
    guard !phase.isClosed, let deadline else { return }
    worker.loop.schedule(self, at: deadline)
  }
}
