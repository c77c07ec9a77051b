/// Why switching user or dropping capabilities failed, phrased for the operator.
///
/// Thrown by `UserSwitch`, `Capabilities.dropAll` and `PrivilegeDrop`. Every case means the
/// process does not hold the identity or capabilities it was asked for, so the caller must not
/// go on serving: it exits with the message.
public struct PrivilegeError: Error, CustomStringConvertible, Equatable {
  public enum Reason: Equatable, Sendable {
    /// No passwd entry for the name (or number) given as `user`.
    case unknownUser(String)
    /// No group entry for the name (or number) given as `group`.
    case unknownGroup(String)
    /// A numeric `user` without a passwd entry needs an explicit `group`.
    case groupRequired(user: String)
    /// The switch needs root (CAP_SETUID and CAP_SETGID), and the process has neither.
    case needsRoot(euid: UInt32)
    /// Uids, gids and capabilities are per thread: changing them with more than one thread
    /// running would leave the other threads privileged.
    case multipleThreads(Int)
    /// A system call or libcap call failed.
    case syscall(SyscallError)
    /// The call succeeded but reading the state back showed something else.
    case verificationFailed(String)
  }

  public var reason: Reason

  public init(_ reason: Reason) {
    self.reason = reason
  }

  public var description: String {
    switch reason {
    case .unknownUser(let name):
      return "user '\(name)' does not exist (no passwd entry)"
    case .unknownGroup(let name):
      return "group '\(name)' does not exist (no group entry)"
    case .groupRequired(let user):
      return "user '\(user)' has no passwd entry, so it has no primary group: set group as well"
    case .needsRoot(let euid):
      return "switching user needs root (CAP_SETUID and CAP_SETGID); running as uid \(euid) without them"
    case .multipleThreads(let count):
      return "privileges must be changed while the process has one thread, but it has \(count): "
        + "other threads would keep the old uid and capabilities"
    case .syscall(let error):
      return "\(error)"
    case .verificationFailed(let detail):
      return "privilege change did not take effect: \(detail)"
    }
  }
}
