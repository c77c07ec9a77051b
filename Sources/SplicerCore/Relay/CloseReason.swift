import Glibc

/// Why a session ended; one label value per case in logs and metrics.
public enum CloseReason: Int, CaseIterable, Sendable, CustomStringConvertible {
  /// Both directions reached EOF and every byte was delivered.
  case completed
  /// The client reset the connection or a call on its socket failed.
  case clientReset
  case clientError
  /// The server reset the connection or a call on its socket failed.
  case serverReset
  case serverError
  /// No server accepted within the pool's retries (refused, unreachable or timed out).
  case connectFailed
  /// Every server of the pool was down or draining; the client got the pool's
  /// `when_all_down` answer (a close, or the fallback file).
  case noServerUp
  /// Nothing moved in either direction for the idle timeout.
  case idleTimeout
  /// The proxy is stopping.
  case shutdown
  /// The worker could not get the descriptors or memory the session needed.
  case resources
  /// The client's address is not allowed on the listener (`allow` / `deny`).
  case denied
  /// The client closed before the relay had chosen a server, having sent nothing, or only
  /// part of a PROXY header. (A ClientHello cut short by the client's FIN is an inspection
  /// failure: `inspect_failed`, or the default route.)
  case clientClosedEarly
  /// No route matched and the listener has no default pool.
  case noRoute
  /// The ClientHello could not be read (not TLS, malformed, too large) and the listener's
  /// `inspect.on_failure` is `close`.
  case inspectFailed
  /// No complete ClientHello within `inspect.timeout`, with `on_failure: close`.
  case inspectTimeout
  /// A malformed or oversized PROXY protocol header on an `accept_proxy` listener.
  case proxyHeaderInvalid
  /// A connection on an `accept_proxy` listener from a peer outside `trusted`.
  case proxyUntrusted
  /// No complete PROXY header within `accept_proxy.timeout`.
  case proxyHeaderTimeout
  /// Every server that could take the connection was at `max_connections` and the pool's
  /// queue was full.
  case queueFull
  /// Waited in the pool's queue for `queue.timeout` without a server slot coming free.
  case queueTimeout
  /// The client's socket failed with ETIMEDOUT on a listener with `client_keepalive`: its
  /// probes (or, with data in flight, its retransmissions) went unanswered.
  case clientKeepaliveTimeout
  /// The same on the server's socket, in a pool with `server_keepalive`.
  case serverKeepaliveTimeout
  /// The connection reached the listener's `max_lifetime`.
  case maxLifetime

  /// Whether the peers should see a reset rather than a clean FIN: after an error a FIN
  /// would let a client mistake a truncated stream for a complete one.
  var abortsConnection: Bool {
    switch self {
    case .completed, .connectFailed, .noServerUp, .clientClosedEarly, .noRoute, .inspectFailed, .inspectTimeout,
      .proxyHeaderTimeout, .queueFull, .queueTimeout:
      false
    // The relay cuts a connection neither peer ended (an idle or drain timeout): a FIN would
    // let a client that had finished sending take a cut-off reply for the whole one.
    case .idleTimeout, .shutdown, .maxLifetime: true
    // Refused outright: a reset, without lingering in FIN_WAIT for a client we do not serve.
    case .clientReset, .clientError, .serverReset, .serverError, .resources, .denied, .proxyHeaderInvalid,
      .proxyUntrusted:
      true
    // The kernel gave up on one peer mid-stream: the other must not take it for a whole one.
    case .clientKeepaliveTimeout, .serverKeepaliveTimeout: true
    }
  }

  public var description: String {
    switch self {
    case .completed: "completed"
    case .clientReset: "client_reset"
    case .clientError: "client_error"
    case .serverReset: "server_reset"
    case .serverError: "server_error"
    case .connectFailed: "connect_failed"
    case .noServerUp: "no_server_up"
    case .idleTimeout: "idle_timeout"
    case .shutdown: "shutdown"
    case .resources: "resources"
    case .denied: "denied"
    case .clientClosedEarly: "client_closed_early"
    case .noRoute: "no_route"
    case .inspectFailed: "inspect_failed"
    case .inspectTimeout: "inspect_timeout"
    case .proxyHeaderInvalid: "proxy_header_invalid"
    case .proxyUntrusted: "proxy_untrusted"
    case .proxyHeaderTimeout: "proxy_header_timeout"
    case .queueFull: "queue_full"
    case .queueTimeout: "queue_timeout"
    case .clientKeepaliveTimeout: "client_keepalive_timeout"
    case .serverKeepaliveTimeout: "server_keepalive_timeout"
    case .maxLifetime: "max_lifetime"
    }
  }

  /// The reason for a failed call on the client's or the server's socket.
  /// - Parameter keepalive: whether that side's socket has keepalive probes; then ETIMEDOUT
  ///   is the kernel giving up on a peer that stopped answering, and gets a reason of its own.
  static func socketFailure(errno: Int32, onClientSide: Bool, keepalive: Bool = false) -> CloseReason {
    if errno == ETIMEDOUT && keepalive { return onClientSide ? .clientKeepaliveTimeout : .serverKeepaliveTimeout }
    let reset = errno == ECONNRESET || errno == EPIPE
    if onClientSide { return reset ? .clientReset : .clientError }
    return reset ? .serverReset : .serverError
  }
}

/// Why a relay direction left splice for the copy path.
public enum SpliceFallbackReason: Int, CaseIterable, Sendable, CustomStringConvertible {
  /// No pipe for this read: `tuning.max_pipes` reached, or pipe2 failed (descriptors or pipe
  /// quota exhausted). Counted per read that copied instead.
  case pipeUnavailable
  /// The kernel refused splice on this socket (EINVAL, ENOSYS, EOPNOTSUPP).
  case spliceUnsupported
  /// TCP urgent data: splice stops at the urgent mark, and one ordinary read of one byte
  /// stepped over it (the urgent byte itself is dropped, as by any read). Counted per mark.
  case urgentMark

  public var description: String {
    switch self {
    case .pipeUnavailable: "pipe_unavailable"
    case .spliceUnsupported: "splice_unsupported"
    case .urgentMark: "urgent_mark"
    }
  }
}

/// Why one connect attempt to a server failed.
public enum ConnectFailureReason: Int, CaseIterable, Sendable, CustomStringConvertible {
  case refused
  case timeout
  case unreachable
  /// The proxy had no local address (port) left to connect from (EADDRNOTAVAIL): its own
  /// resource, not the server's fault.
  case noLocalPort
  case other

  init(errno: Int32) {
    switch errno {
    case ECONNREFUSED: self = .refused
    case ETIMEDOUT: self = .timeout
    case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN: self = .unreachable
    case EADDRNOTAVAIL: self = .noLocalPort
    default: self = .other
    }
  }

  /// Whether the failure says something about the server, and so counts towards passive
  /// health checking (`observe.failures`). Running out of local ports must not take healthy
  /// servers down.
  public var blamesServer: Bool {
    switch self {
    case .refused, .timeout, .unreachable, .other: true
    case .noLocalPort: false
    }
  }

  public var description: String {
    switch self {
    case .refused: "refused"
    case .timeout: "timeout"
    case .unreachable: "unreachable"
    case .noLocalPort: "no_local_port"
    case .other: "other"
    }
  }
}
