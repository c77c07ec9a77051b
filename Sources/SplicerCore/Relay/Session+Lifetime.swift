/// The relay's timer: the idle timeout, and the listener's `max_lifetime` when it has one.
/// Both share the session's one deadline; whichever comes first is scheduled.
extension Session {
  /// When the relay's timer should next fire: `lastActivity` + idle, or the end of the
  /// connection's lifetime (counted from accept) if that is sooner.
  func relayDeadline(_ relay: Relay) -> UInt64 {
    let idleEnd = relay.lastActivity &+ worker.timeouts.idle
    guard let lifetime = listener.maxLifetime else { return idleEnd }
    return min(idleEnd, timeline.acceptedAt &+ lifetime)
  }

  /// The relay's timer fired: the lifetime is over, the connection was idle too long, or
  /// there was activity since the deadline was set and it is set again.
  func relayTimerFired(_ relay: Relay, now: UInt64) {
    // A connection still open at its age limit is cut, reset both ways (`abortsConnection`):
    // neither peer ended it, so a FIN would pass a cut stream off as a complete one.
    if let lifetime = listener.maxLifetime, now &- timeline.acceptedAt >= lifetime {
      close(.maxLifetime)
    } else if now &- relay.lastActivity >= worker.timeouts.idle {
      close(.idleTimeout)
    } else {
      worker.loop.schedule(self, at: relayDeadline(relay))
    }
  }
}
