import Glibc
import SplicerConfig
import SplicerHealth
import SplicerLoop
import SplicerRouting
import SplicerSystem

/// What a session needs to know about the listener that accepted it. Replaced as a whole by
/// a reload; sessions keep the one they were accepted under.
struct ListenerContext {
  let name: String
  /// The listener's `StatsLayout` row, for per-listener counters.
  let counterRow: Int
  let mode: RelayMode
  /// Access rules and routes to pools.
  let routes: ListenerRoutes
  /// PROXY protocol from the peers in front; nil: none expected.
  let acceptProxy: AcceptProxyConfig?
  /// Bounds on reading the ClientHello, for `sni` routes.
  let inspect: InspectConfig
  /// `max_connections` across workers; kept across reloads.
  let limit: ListenerLimit
  /// What clients get while no server of a pool is up, by pool name; a pool without one
  /// closes them.
  let fallbacks: [String: FallbackFile]
  /// Keepalive probes on the listening socket (accepted sockets inherit them); nil: off.
  var clientKeepalive: KeepaliveProbes? = nil
  /// `max_lifetime` in nanoseconds; nil: no limit.
  var maxLifetime: UInt64? = nil
  /// Bandwidth limits, paced by the kernel (`Listener+Pacing`, `Session+Pacing`).
  var rateLimit = RateLimitConfig()
  /// Where copies of the client's bytes go, and for what share of connections; nil: none.
  var mirror: MirrorTarget? = nil
  /// The config generation this context was built from; held here so that it lives as long
  /// as a listener or session uses the context. Nil only for contexts tests build by hand.
  var generation: ConfigGeneration? = nil
}

/// One worker's listening socket for one configured listener.
///
/// Owns the socket (each worker has its own, bound with SO_REUSEPORT, so the kernel spreads
/// new connections over the workers). The socket is level-triggered: it accepts a bounded batch
/// per wake-up and relies on the next wake-up for the rest, which keeps accepting fair to the
/// sessions of the same worker.
final class Listener: EventHandler, TimerTarget {
  let fd: Int32
  /// Replaced by a reload; new sessions take the current one. A changed `client_keepalive`
  /// is set on the socket at once, for the connections accepted from then on.
  var context: ListenerContext {
    didSet {
      guard context.clientKeepalive != oldValue.clientKeepalive else { return }
      if let keepalive = context.clientKeepalive {
        Socket.enableKeepalive(fd, keepalive)
      } else {
        Socket.disableKeepalive(fd)
      }
    }
  }
  unowned let worker: Worker
  private var paused = false
  /// Not watching the socket because the listener is at `max_connections`.
  private var pausedAtLimit = false
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  /// Connections accepted per wake-up before the loop serves other events.
  static let acceptBatch = 64
  /// How long accepting pauses after EMFILE/ENFILE, instead of spinning on a full backlog.
  static let backoffNanoseconds: UInt64 = 100_000_000

  /// True when every worker watches a duplicate of one socket (socket activation): then only
  /// one worker is woken per connection.
  let shared: Bool

  init(fd: Int32, context: ListenerContext, worker: Worker, shared: Bool = false) {
    self.fd = fd
    self.context = context
    self.worker = worker
    self.shared = shared
  }

  func start() throws(SyscallError) {
    // A socket accepted from a listening socket inherits its TCP_NODELAY (Linux copies the
    // listener's TCP state into the child): set once here, it spares a setsockopt(2) per
    // connection. On a unix listener the call fails, harmlessly: Nagle is TCP's.
    Socket.setNoDelay(fd)
    // Keepalive is inherited the same way (SO_KEEPALIVE and the three TCP_KEEP* timings).
    if let keepalive = context.clientKeepalive { Socket.enableKeepalive(fd, keepalive) }
    try worker.loop.register(fd, events: shared ? [.readable, .exclusive] : [.readable], handler: self)
  }

  func handle(_ events: EpollEvents, fd: Int32) {
    acceptBatch()
  }

  /// Accepts up to `acceptBatch` clients; true when the backlog was emptied.
  @discardableResult
  private func acceptBatch() -> Bool {
    let limit = context.limit
    for _ in 0..<Self.acceptBatch {
      // The slot is taken before accepting, so a listener at its limit leaves clients in the
      // kernel's backlog (where they wait, or time out on their own) instead of accepting
      // them only to drop them.
      guard limit.tryAcquire() else {
        pauseAtLimit()
        return false
      }
      do {
        switch try Socket.accept(fd) {
        case .wouldBlock:
          giveBackUnusedSlot(limit)
          return true
        case .processed(let (client, peer)):
          worker.startSession(client: client, peer: peer, listener: context)
        }
      } catch {
        giveBackUnusedSlot(limit)
        switch error.errno {
        case ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
          // The client went away between SYN and accept; the next one may be fine.
          worker.stats.add(listener: context.counterRow, .acceptErrors)
          continue
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
          pause(error)
          return false
        default:
          worker.stats.add(listener: context.counterRow, .acceptErrors)
          worker.logger.error("accept failed", metadata: ["listener": "\(context.name)", "error": "\(error)"])
          pause(error)
          return false
        }
      }
    }
    return false
  }

  /// Returns the slot taken for an accept that brought no client. That slot may have been the
  /// last one, so a sibling worker may have paused at the limit meanwhile: it is woken as a
  /// closing session would wake it, or it would wait with room left.
  private func giveBackUnusedSlot(_ limit: ListenerLimit) {
    if limit.release() { worker.listenerCapacityFreed(limit) }
  }

  /// Stops watching the socket until a connection of this listener closes (on any worker).
  private func pauseAtLimit() {
    guard !pausedAtLimit else { return }
    pausedAtLimit = true
    worker.stats.add(listener: context.counterRow, .limitPauses)
    worker.loop.unwatch(fd)
    // A slot may have come free between the failed attempt and the unwatch, with its wake-up
    // already handled; look once more so that no listener stays paused with room left.
    resumeIfBelowLimit()
  }

  /// Watches the socket again if it paused at `max_connections` and the limit now has room:
  /// after a close freed a slot (on any worker), or a reload raised, removed or handed over
  /// the limit. A no-op otherwise, so any of them may call it whenever room may have appeared.
  func resumeIfBelowLimit() {
    guard pausedAtLimit, context.limit.hasRoom else { return }
    pausedAtLimit = false
    // The EMFILE back-off's timer re-registers the socket when it is also paused for that.
    guard !paused else { return }
    do {
      try start()
    } catch {
      pause(error)
    }
  }

  /// Stops watching the socket for a moment; pending clients wait in the kernel's backlog.
  /// Also called by the worker when a session could not open its upstream socket, since
  /// accepting more clients then only means closing them again.
  func pause(_ error: SyscallError) {
    guard !paused else { return }
    paused = true
    if pausedAtLimit {
      // Already unwatched; the timer alone brings it back.
      worker.loop.schedule(self, at: worker.loop.now &+ Self.backoffNanoseconds)
      return
    }
    worker.stats.add(listener: context.counterRow, .acceptBackoffs)
    worker.logger.warning(
      "accept paused", metadata: ["listener": "\(context.name)", "error": "\(error)", "backoff_ms": "100"])
    // Removed rather than modified: EPOLLEXCLUSIVE registrations cannot be modified.
    worker.loop.unwatch(fd)
    worker.loop.schedule(self, at: worker.loop.now &+ Self.backoffNanoseconds)
  }

  func timerFired(now: UInt64) {
    if pausedAtLimit {
      paused = false
      return
    }
    do {
      try start()
      paused = false
    } catch {
      // Still paused (epoll itself is short of memory, say): try again after another back-off
      // rather than leave the listener unwatched for good.
      worker.logger.error("could not resume accepting", metadata: ["listener": "\(context.name)", "error": "\(error)"])
      worker.loop.schedule(self, at: now &+ Self.backoffNanoseconds)
    }
  }

  /// Accepts what waits in the backlog now (bounded), before the listener closes for a reload.
  func acceptPending() {
    guard !paused && !pausedAtLimit else { return }
    for _ in 0..<16 {
      if acceptBatch() { return }
    }
  }

  // MARK: Freezing

  /// Stops accepting for a worker's freeze (`Worker+Freezing`): the socket stays open and
  /// clients wait in its backlog. The back-off of a pause is cancelled; the resume decides
  /// afresh, with `pausedAtLimit` kept for it.
  func freeze() {
    worker.loop.cancelTimer(self)
    if !paused && !pausedAtLimit { worker.loop.unwatch(fd) }
    paused = false
  }

  /// Watches the socket again after a freeze; a listener at its limit only if it has room now.
  func resumeAfterFreeze() {
    if pausedAtLimit {
      resumeIfBelowLimit()
      return
    }
    do {
      try start()
    } catch {
      pause(error)
    }
  }

  /// Stops accepting for good and closes the socket.
  func close() {
    worker.loop.cancelTimer(self)
    // Removed from epoll explicitly: closing a descriptor only ends its registration when no
    // other descriptor shares the socket, and socket-activated listeners are shared (the
    // service manager and every worker hold one); a stale level-triggered registration
    // would spin the loop.
    worker.loop.unwatch(fd)
    Socket.close(fd)
  }
}
