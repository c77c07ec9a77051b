import SplicerRouting

/// Queueing: a session whose every candidate server is at `max_connections` waits in its
/// pool's queue on this worker (the `queued` phase) until a slot comes free or its queue
/// deadline passes. The worker's queue holds the session; the session holds its place.
extension Session {
  /// Joins the pool's queue (or closes with `queue_full`, or `queue_timeout` once a woken
  /// session's deadline has passed), keeping `plan` in the `queued` phase.
  func enqueue(_ plan: ConnectPlan, in pool: BackendPool, retryingFromQueue: Bool) {
    let now = worker.loop.now
    let queuedAt = timeline.queuedAt
    let deadline = (queuedAt ?? now) &+ pool.queueTimeout
    if queuedAt != nil && now >= deadline {
      close(.queueTimeout)
      return
    }
    // A session woken from the queue that lost the race for the slot goes back to the front.
    guard worker.joinQueue(self, of: pool, atFront: queuedAt != nil) else {
      close(.queueFull)
      return
    }
    if queuedAt == nil {
      timeline.queuedAt = now
      worker.stats.add(listener: listener.counterRow, .queued)
    }
    phase = .queued(plan)
    worker.loop.schedule(self, at: deadline)
    if !retryingFromQueue && worker.poolHasFreeServer(pool) {
      // A slot came free between the pick and joining the queue, and its release saw no
      // queued session to wake: take it now. Once per joining: if another session takes the
      // slot first, this one stays queued rather than retry in a loop.
      leftQueueToRetry(plan)
    }
  }

  /// Leaves the queue and asks the balancer again, keeping the queue's deadline; a pick that
  /// finds every server full again comes back to `enqueue`, which then keeps the session.
  private func leftQueueToRetry(_ plan: ConnectPlan) {
    worker.leaveQueue(self)
    worker.loop.cancelTimer(self)
    phase = .choosingServer
    connectNextServer(plan, retryingFromQueue: true)
  }

  /// The queue timeout: one last pick before giving up, so that a slot freed in the same
  /// moment is not left unused while this session closes with `queue_timeout`. A pick that
  /// finds every server still full comes back to `enqueue`, which closes it (the deadline
  /// has passed).
  func queueTimedOut(_ plan: ConnectPlan) {
    leftQueueToRetry(plan)
  }

  /// Called by the worker when a server slot of the pool came free (the worker has already
  /// taken the session out of its queue).
  func leftQueue() {
    guard case .queued(let plan) = phase else { return }
    worker.loop.cancelTimer(self)
    phase = .choosingServer
    connectNextServer(plan)
  }
}
