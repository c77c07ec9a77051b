/// The validated contents of one Splicer config file.
///
/// Produced only by `ConfigLoader`; every value here has already been checked, so the
/// runtime never has to re-validate (a bad value is a `ConfigError` at load time).
public struct Configuration: Sendable, Equatable {
  /// Event-loop threads; one SO_REUSEPORT listening socket per listener per worker.
  public var workers: Int
  public var listeners: [ListenerConfig]
  /// Pools by name, in file order.
  public var pools: [PoolConfig]
  public var timeouts: Timeouts
  public var tuning: Tuning
  public var log: LogConfig
  /// The admin HTTP endpoint (/metrics, /healthz, /status); nil: none.
  public var admin: AdminConfig?
  /// Who the process becomes after binding, and which capability it keeps.
  public var privileges = Privileges()

  public init(
    workers: Int, listeners: [ListenerConfig], pools: [PoolConfig], timeouts: Timeouts,
    tuning: Tuning, log: LogConfig, admin: AdminConfig? = nil
  ) {
    self.admin = admin
    self.workers = workers
    self.listeners = listeners
    self.pools = pools
    self.timeouts = timeouts
    self.tuning = tuning
    self.log = log
  }

  /// The pool with this name, if the config declares one.
  public func pool(named name: String) -> PoolConfig? {
    pools.first { $0.name == name }
  }
}

/// How a listener moves bytes between client and backend.
public enum RelayMode: String, Sendable, Equatable, CaseIterable {
  /// Zero-copy: socket -> kernel pipe -> socket with splice(2).
  case splice
  /// Through a user-space buffer with read(2)/write(2); for comparison and as the fallback.
  case copy
}

/// A numeric IP address and TCP port, as written in the config (`127.0.0.1:80`, `[::1]:80`).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
  public enum Family: Sendable, Hashable {
    case ipv4
    case ipv6
  }

  public var family: Family
  /// The address in its textual form without brackets, e.g. `127.0.0.1` or `::1`.
  public var host: String
  public var port: UInt16

  public init(family: Family, host: String, port: UInt16) {
    self.family = family
    self.host = host
    self.port = port
  }

  public var description: String {
    family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
  }
}

public struct Timeouts: Sendable, Equatable {
  /// Upper bound for one upstream connect attempt.
  public var connect: Duration
  /// A connection with no bytes moving in either direction for this long is closed.
  public var idle: Duration
  /// On SIGTERM, how long open connections may finish before they are closed.
  public var drain: Duration
  /// A live upgrade's bound from the spawn of the new binary to its `Prepared` (design
  /// live-upgrade.md §8.1); past it the upgrade fails and the old process resumes.
  public var upgrade: Duration

  public init(
    connect: Duration = .seconds(5), idle: Duration = .seconds(600), drain: Duration = .seconds(30),
    upgrade: Duration = .seconds(30)
  ) {
    self.connect = connect
    self.idle = idle
    self.drain = drain
    self.upgrade = upgrade
  }
}

public struct Tuning: Sendable, Equatable {
  /// Pipe capacity requested with F_SETPIPE_SZ; the kernel may grant less.
  public var pipeSize: Int
  /// Empty pipes each worker keeps for reuse.
  public var pipePoolSize: Int
  /// User-space buffer size per direction in copy mode.
  public var copyBufferSize: Int
  /// Pipes one worker may have leased at once (HAProxy's `maxpipes`); beyond it a direction
  /// copies through a buffer until a pipe is free, and each such fill is counted. nil: no limit
  /// but the kernel's.
  public var maxPipes: Int?

  public init(pipeSize: Int = 1 << 20, pipePoolSize: Int = 64, copyBufferSize: Int = 64 << 10, maxPipes: Int? = nil) {
    self.pipeSize = pipeSize
    self.pipePoolSize = pipePoolSize
    self.copyBufferSize = copyBufferSize
    self.maxPipes = maxPipes
  }
}

public struct LogConfig: Sendable, Equatable {
  public enum Format: String, Sendable, Equatable, CaseIterable {
    case json
    case logfmt
  }

  public enum Level: String, Sendable, Equatable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
  }

  public var level: Level
  public var format: Format
  /// Whether one line per closed connection is logged (at info).
  public var accessLog: Bool

  public init(level: Level = .info, format: Format = .json, accessLog: Bool = true) {
    self.level = level
    self.format = format
    self.accessLog = accessLog
  }
}

/// Where the admin HTTP endpoint listens.
public struct AdminConfig: Sendable, Equatable {
  public var bind: Endpoint

  public init(bind: Endpoint) {
    self.bind = bind
  }
}

/// The identity to switch to after binding (when started as root) and whether to keep
/// CAP_NET_BIND_SERVICE so that a reload can bind new ports below 1024.
public struct Privileges: Sendable, Equatable {
  public var user: String?
  /// Defaults to the user's primary group.
  public var group: String?
  public var keepBindCapability: Bool

  public init(user: String? = nil, group: String? = nil, keepBindCapability: Bool = false) {
    self.user = user
    self.group = group
    self.keepBindCapability = keepBindCapability
  }
}
