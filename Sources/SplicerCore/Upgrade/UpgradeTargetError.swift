import Glibc
import SplicerSystem

/// Why `splicer upgrade` will not signal the pid it was given: nothing was sent, so the
/// command exits 2 like any usage error.
public enum UpgradeTargetError: Error, Equatable, CustomStringConvertible {
  /// No such process (its /proc directory is gone).
  case notRunning(pid: Int32)
  /// The process is not a Splicer.
  case notSplicer(pid: Int32, command: String, executable: String?)
  /// The process leaves SIGUSR2 to its default action (a version without the live upgrade),
  /// which would end it.
  case requestNotHandled(pid: Int32)
  /// /proc could not be read for another reason.
  case unreadable(pid: Int32, SyscallError)

  /// Sorts a failed `ProcessDescription.read`.
  public init(pid: Int32, reading error: SyscallError) {
    self = error.errno == ENOENT || error.errno == ESRCH ? .notRunning(pid: pid) : .unreadable(pid: pid, error)
  }

  public var description: String {
    switch self {
    case .notRunning(let pid):
      return "no process with pid \(pid)"
    case .notSplicer(let pid, let command, let executable):
      let program = executable.map { "\($0), " } ?? ""
      return "pid \(pid) is not splicer (\(program)command name '\(command)')"
    case .requestNotHandled(let pid):
      return "pid \(pid) does not handle SIGUSR2 (no live upgrade in its version): the signal would stop it, "
        + "so it was not sent"
    case .unreadable(let pid, let error):
      return "cannot read /proc/\(pid): \(error)"
    }
  }
}
