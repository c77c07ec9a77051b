/// Why `UpgradeSpawn` could not start the new binary, with the errno that says so.
///
/// The old process goes on serving: nothing was handed over yet.
public struct UpgradeSpawnError: Error, CustomStringConvertible, Equatable {
  /// What the child was doing when it failed.
  public enum Step: Equatable, Sendable {
    /// Raising CAP_NET_BIND_SERVICE into its inheritable and ambient sets (capset, prctl).
    case capability
    /// Clearing FD_CLOEXEC on the channel descriptor.
    case channel
    /// execve: ENOENT (no such binary), EACCES (not executable by this user, or a directory
    /// on its path is not searchable), ENOEXEC, ...
    case exec
  }

  public enum Reason: Equatable, Sendable {
    /// The status pipe or the fork failed in this process; there is no child.
    case fork(SyscallError)
    /// The child failed before or at execve and has exited (already reaped).
    case child(Step, errno: Int32)
  }

  public var reason: Reason
  /// The binary that was to be executed.
  public var path: String

  public init(_ reason: Reason, path: String) {
    self.reason = reason
    self.path = path
  }

  /// The errno of the failed call.
  public var errno: Int32 {
    switch reason {
    case .fork(let error): error.errno
    case .child(_, let errno): errno
    }
  }

  public var description: String {
    switch reason {
    case .fork(let error):
      return "cannot start \(path): \(error)"
    case .child(let step, let errno):
      let call =
        switch step {
        case .capability: "raising CAP_NET_BIND_SERVICE for the new process"
        case .channel: "fcntl(F_SETFD) on the upgrade channel"
        case .exec: "execve"
        }
      return "cannot start \(path): \(call): \(Errno.message(of: errno)) (\(Errno.name(of: errno)))"
    }
  }
}
