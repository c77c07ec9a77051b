import SplicerLoop

/// Freezing a mirror for a live upgrade, and resuming it: as for its session
/// (`Session+Freezing`), its socket stays open but unwatched and its linger timer is
/// cancelled with the deadline kept, so that nothing reads, writes or closes the shadow's
/// socket while the worker is frozen.
extension Mirror {
  /// Stops the mirror at its worker's safe point. Returns the linger timer's deadline, nil
  /// when none was armed (a mirror whose session is still open).
  func freeze() -> UInt64? {
    var deadline: UInt64?
    if timerSlot >= 0 {
      deadline = timerDeadline
      loop.cancelTimer(self)
    }
    loop.unwatch(socket)
    return deadline
  }

  /// Registers the shadow's socket again and re-arms the linger timer at its original
  /// `deadline` (one that passed while frozen fires at the next turn). The registration
  /// reports the socket's current readiness (writable, replies, the shadow's FIN), which is
  /// all the mirror's events ever tell it: nothing seen before the freeze is lost.
  func rearm(deadline: UInt64?) {
    guard state != .closed else { return }
    do {
      try loop.register(socket, events: Session.mirrorInterest, handler: self)
    } catch {
      drop(.resources, resources)
      return
    }
    if let deadline { loop.schedule(self, at: deadline) }
  }
}
