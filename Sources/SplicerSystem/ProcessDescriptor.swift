import CSplicer
import Glibc

/// A pidfd(2) of another process: it stays bound to that process even if the pid is reused,
/// and becomes readable (`POLLIN`) once the process has exited. Owns the descriptor.
///
/// `splicer upgrade` polls one beside its `SignalDescriptor`, so that a target that dies
/// without answering ends the wait at once rather than at the timeout.
public struct ProcessDescriptor: ~Copyable {
  public let fd: Int32
  public let pid: Int32

  /// Close-on-exec. ESRCH: no such process.
  public init(pid: Int32) throws(SyscallError) {
    guard pid > 0 else { throw SyscallError(call: "pidfd_open(\(pid))", errno: EINVAL) }
    fd = try retryingInterrupts("pidfd_open(\(pid))") { splicer_pidfd_open(pid) }
    self.pid = pid
  }

  deinit { Glibc.close(fd) }

  /// Whether the process has exited (it may not be reaped yet), without waiting.
  public var hasExited: Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLIN) != 0
  }
}
