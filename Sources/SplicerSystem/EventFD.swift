import CSplicer
import Glibc

/// A nonblocking eventfd that lets other threads wake an event loop.
public struct EventFD: ~Copyable {
  public let fd: Int32

  public init() throws(SyscallError) {
    fd = try retryingInterrupts("eventfd") { splicer_eventfd(0, splicer_EFD_NONBLOCK | splicer_EFD_CLOEXEC) }
  }

  deinit { Glibc.close(fd) }

  /// Safe from any thread.
  public func signal() {
    var one: UInt64 = 1
    _ = Glibc.write(fd, &one, 8)
  }

  /// Clears the counter; called by the owning loop after a wake-up.
  public func drain() {
    var value: UInt64 = 0
    _ = Glibc.read(fd, &value, 8)
  }
}
