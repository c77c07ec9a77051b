import SplicerRouting

extension Session {
  /// Where a session is, and what it owns there. A property that means something in one
  /// phase only lives in that phase's value, so a session cannot hold, say, a server socket
  /// while queued or a fallback offset while relaying. The session's own fields (client
  /// socket, addresses, listener slot, route, timeline) hold in every phase.
  ///
  /// In order: `readingProxyHeader` and `inspecting` (each only when the listener needs it),
  /// then `choosingServer`, which leads to `connecting` (back to `choosingServer` when the
  /// attempt fails), `queued` or `waitingForDescriptors` (both back to `choosingServer`), or
  /// `answering` when no server is up at the first pick; `connecting` leads to `relaying`,
  /// and that to `forwardingAfterReset` when the server resets during an upload. Any phase
  /// may end in `closed`. docs/ARCHITECTURE.md draws it.
  ///
  /// The session's one timer means, per phase: the PROXY header timeout, the inspect timeout,
  /// the queue deadline, the connect timeout, the descriptor back-off, the idle timeout, the
  /// connect timeout again (bounding what follows a reset, and the fallback answer).
  ///
  /// The phases with struct payloads are `indirect` and `Relay` is a class, so the enum is a
  /// tag and a pointer: every event reads the phase, and copying the structs inline cost
  /// about 1,900 instructions per keep-alive request (callgrind); boxing costs one allocation
  /// when a connection starts connecting.
  enum Phase {
    /// Reading the PROXY protocol header of an `accept_proxy` listener. Timer: the header
    /// timeout.
    case readingProxyHeader
    /// Peeking at the TLS ClientHello for its server name. `lowWatermarkRaised`: SO_RCVLOWAT
    /// is above 1 while the rest of a ClientHello record is awaited, and must be put back to
    /// 1 before relaying. Timer: the inspect timeout.
    case inspecting(lowWatermarkRaised: Bool)
    /// Asking the pool's balancer for the next step, within one call (after the route, a
    /// failed attempt, a queue wake-up or the descriptor back-off); owns nothing. The plan
    /// travels as an argument meanwhile.
    case choosingServer
    /// Waiting in the pool's queue for a server slot: the worker's queue for the pool holds
    /// the session, which holds one place of `BackendPool.queuedSessions`. Timer: the queue
    /// deadline (`SessionTimeline.queuedAt` + `queue.timeout`).
    indirect case queued(ConnectPlan)
    /// A connect in flight; the attempt owns the upstream socket and the server slot. Timer:
    /// the connect timeout.
    indirect case connecting(ConnectPlan, ConnectAttempt)
    /// Out of descriptors for the upstream socket since `since` (listeners paused); the same
    /// server is asked again at each timer, the accept back-off, until the connect timeout
    /// has passed since `since`. Owns no socket and no slot.
    indirect case waitingForDescriptors(ConnectPlan, since: UInt64)
    /// Both directions pumping; the relay owns the upstream socket, the server slot and the
    /// directions' pipes. Timer: the idle timeout, counted from `Relay.lastActivity`.
    case relaying(Relay)
    /// The server reset while the client was still sending to it: what the server had sent
    /// before its reset still goes out (`remaining` is `toClient`), without a FIN, within the
    /// connect timeout, and then the session closes with `reason`, resetting the client. An
    /// early answer (a 413 to an upload) reaches the client this way. Owns what `relaying` did.
    case forwardingAfterReset(Relay, reason: CloseReason, remaining: RelaySide)
    /// No server is up: the pool's fallback file goes out, then the session lingers for the
    /// client's EOF. Timer: the connect timeout, once for the sending, once for the linger.
    indirect case answering(FallbackAnswer)
    /// Everything released; events and timers that still arrive are ignored.
    case closed

    var isClosed: Bool {
      if case .closed = self { true } else { false }
    }

    /// The relay, in the two phases that have one.
    var relay: Relay? {
      switch self {
      case .relaying(let relay), .forwardingAfterReset(let relay, _, _): relay
      default: nil
      }
    }

    /// The upstream socket and its server, in the phases that own one.
    var upstream: (server: Int32, backend: Backend)? {
      switch self {
      case .connecting(_, let attempt): (attempt.server, attempt.backend)
      case .relaying(let relay), .forwardingAfterReset(let relay, _, _): (relay.server, relay.backend)
      default: nil
      }
    }
  }
}
