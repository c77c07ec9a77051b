import Glibc

/// Tells the service manager what the service is doing, over the notify socket of sd_notify(3),
/// without libsystemd: each call sends one datagram of newline-separated `KEY=VALUE` lines.
///
/// A value type holding the socket's address. Every send opens, uses and closes its own datagram
/// socket, as libsystemd does, so one notifier can be shared by all threads. When NOTIFY_SOCKET is unset (not started by systemd with
/// `Type=notify`) every call does nothing.
public struct SystemdNotify: Sendable {
  /// Where NOTIFY_SOCKET points.
  public enum Address: Sendable, Equatable, CustomStringConvertible {
    /// A socket file, an absolute path.
    case path(String)
    /// An abstract socket: the name after the `@`, which the kernel stores after a NUL byte.
    case abstract(String)

    public var description: String {
      switch self {
      case .path(let path): path
      case .abstract(let name): "@\(name)"
      }
    }
  }

  /// The variables read from the environment.
  public static let variables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]

  /// The notify socket; nil when the process is not under a service manager that listens.
  public let address: Address?
  /// How often the manager expects `watchdog()` (`WatchdogSec=`): nil when no watchdog is set
  /// or it was set for another process (WATCHDOG_PID). Ping at half this interval or more often.
  public let watchdogInterval: Duration?

  /// A notifier that sends nothing.
  public static let disabled = SystemdNotify(address: nil, watchdogInterval: nil)

  public init(address: Address?, watchdogInterval: Duration?) {
    self.address = address
    self.watchdogInterval = watchdogInterval
  }

  /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from `environment`, as
  /// sd_notify(3) and sd_watchdog_enabled(3) do.
  ///
  /// - Parameter processID: the pid WATCHDOG_PID must name for the watchdog to apply to us.
  public init(environment: [String: String], processID: Int32) throws(SystemdEnvironmentError) {
    address = try Self.parseAddress(environment["NOTIFY_SOCKET"])
    watchdogInterval = try Self.parseWatchdog(
      microseconds: environment["WATCHDOG_USEC"], pid: environment["WATCHDOG_PID"], processID: processID)
  }

  /// The notifier for this process's environment. Leaves the variables in place; Splicer starts
  /// no child processes that could inherit them.
  public static func fromProcessEnvironment() throws(SystemdEnvironmentError) -> SystemdNotify {
    try SystemdNotify(environment: ProcessEnvironment.values(of: variables), processID: getpid())
  }

  /// Whether messages go anywhere.
  public var isEnabled: Bool { address != nil }

  /// `READY=1`: start-up (listeners bound, privileges dropped) or a reload is finished.
  public func ready(status: String? = nil) throws(SyscallError) {
    try send(["READY=1"] + Self.statusLine(status))
  }

  /// `RELOADING=1` with `MONOTONIC_USEC=`, the CLOCK_MONOTONIC time the reload began, which
  /// systemd uses to tell this reload from an older one. Send `ready()` when done, also after
  /// a reload that failed and kept the old config.
  public func reloading(status: String? = nil) throws(SyscallError) {
    let microseconds = MonotonicClock.now() / 1_000
    try send(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"] + Self.statusLine(status))
  }

  /// `STOPPING=1`: the graceful stop has begun.
  public func stopping(status: String? = nil) throws(SyscallError) {
    try send(["STOPPING=1"] + Self.statusLine(status))
  }

  /// `STATUS=`: one line shown by `systemctl status`. Newlines become spaces.
  public func status(_ text: String) throws(SyscallError) {
    try send(Self.statusLine(text))
  }

  /// `WATCHDOG=1`: the keep-alive ping `WatchdogSec=` asks for.
  public func watchdog() throws(SyscallError) {
    try send(["WATCHDOG=1"])
  }

  /// `EXTEND_TIMEOUT_USEC=`: asks for `duration` more before the manager's start, reload or
  /// stop timeout fires (a drain longer than `TimeoutStopSec=`), counted from now.
  public func extendTimeout(by duration: Duration) throws(SyscallError) {
    try send(["EXTEND_TIMEOUT_USEC=\(duration.nanoseconds / 1_000)"])
  }

  /// Sends `assignments` (`KEY=VALUE`, no newlines inside) as one datagram; nothing when disabled.
  public func send(_ assignments: [String]) throws(SyscallError) {
    guard let address else { return }
    try Self.sendDatagram(assignments.joined(separator: "\n"), to: address)
  }

  static func statusLine(_ text: String?) -> [String] {
    guard let text else { return [] }
    let line = text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : String($0) }.joined()
    return ["STATUS=\(line)"]
  }
}
