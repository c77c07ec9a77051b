/// How a pool's servers are checked: actively by probes, passively by watching relayed
/// connections, and what new clients get while no server is up.
public struct HealthCheckConfig: Sendable, Equatable {
  public enum Probe: Sendable, Equatable {
    /// The connect succeeds.
    case tcp
    /// Send `send` (may be empty) and expect a reply containing `expect`.
    case sendExpect(send: [UInt8], expect: [UInt8])
    /// `GET path` over HTTP/1.1; the status must be in `statuses`.
    case http(path: String, host: String?, statuses: ClosedRange<Int>)
  }

  public var probe: Probe
  public var interval: Duration
  /// Bound on one probe: connect, send and the reply together.
  public var timeout: Duration
  /// Consecutive successes that bring a down server up.
  public var rise: Int
  /// Consecutive failures that take an up server down.
  public var fall: Int
  /// Each interval is stretched or shrunk by up to this fraction at random, so that the checks
  /// of many servers (and of many proxies) do not arrive in lockstep.
  public var jitter: Double
  /// Probe this port instead of the server's own.
  public var port: UInt16?

  public init(
    probe: Probe = .tcp, interval: Duration = .seconds(2), timeout: Duration = .seconds(1), rise: Int = 2,
    fall: Int = 3, jitter: Double = 0.1, port: UInt16? = nil
  ) {
    self.probe = probe
    self.interval = interval
    self.timeout = timeout
    self.rise = rise
    self.fall = fall
    self.jitter = jitter
    self.port = port
  }
}

/// Passive checking: consecutive failed connects (refused, timed out, reset) to one server
/// that take it down before the next active check notices; the active check brings it back.
public struct ObserveConfig: Sendable, Equatable {
  public var failures: Int

  public init(failures: Int) {
    self.failures = failures
  }
}

/// What a client of a pool with no server up gets.
public enum WhenAllDown: Sendable, Equatable {
  /// The connection is closed at once.
  case close
  /// The file's bytes are sent (with sendfile(2)), then the connection is closed.
  case respondFile(path: String)
}
