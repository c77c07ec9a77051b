import SplicerLoop
import SplicerSystem

/// Watching a session's sockets again after they were out of epoll: after a freeze, and
/// (later) in the process that adopts the session in a live upgrade (docs/design/
/// live-upgrade.md, §6.3).
///
/// Edge-triggered epoll reports a readiness change once. What the session had seen before it
/// stopped is in its relay's readiness flags, and what happened meanwhile was reported to
/// nobody. Both are recovered without looking back: EPOLL_CTL_ADD of a socket reports its
/// current readiness at once, also with EPOLLET (readable, writable, EPOLLRDHUP, EPOLLPRI,
/// EPOLLERR/EPOLLHUP), and the relay's flags are all set, so the first pump finds out for
/// itself; only EAGAIN clears a flag, as always.
extension Session {
  /// Registers the client socket and the phase's server socket with `Session.interest`, and
  /// makes a relaying session pump both directions once. Closes the session with
  /// `resources` when a registration fails. The caller re-arms the timer.
  func rearm() {
    let loop = worker.loop
    do throws(SyscallError) {
      try loop.register(client, events: Self.interest, handler: self)
      if let upstream = phase.upstream {
        try loop.register(upstream.server, events: Self.interest, handler: self)
      }
    } catch {
      close(.resources)
      return
    }
    // Admission, `connecting` and `answering` need nothing more: the registration reports a
    // readable client (the prefix is peeked again), a connect's outcome (EPOLLOUT or
    // EPOLLERR) and a writable client (sendfile carries on at the answer's offset).
    guard let relay = phase.relay else { return }
    // Conservative: a flag set wrongly costs one splice that returns EAGAIN; one cleared
    // wrongly would stall the direction until the idle timeout.
    relay.toServer.sourceReadable = true
    relay.toServer.destinationWritable = true
    relay.toClient.sourceReadable = true
    relay.toClient.destinationWritable = true
    if !deferredRunQueued {
      deferredRunQueued = true
      loop.runSoon(self)
    }
  }
}
