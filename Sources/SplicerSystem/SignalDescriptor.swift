import CSplicer
import Glibc

/// A signalfd(2): blocked signals read as data from a descriptor, so that a wait for a signal
/// can be a `poll` beside other descriptors (`splicer upgrade` waits for the reply signal and
/// for the target's pidfd at once). Owns the descriptor.
///
/// The signals must be blocked in every thread that could otherwise take them; the descriptor
/// only reads what stays pending.
public struct SignalDescriptor: ~Copyable {
  public let fd: Int32

  /// Nonblocking and close-on-exec.
  public init(signals: [Int32]) throws(SyscallError) {
    fd = try retryingInterrupts("signalfd") {
      signals.withUnsafeBufferPointer { splicer_signalfd($0.baseAddress, Int32($0.count)) }
    }
  }

  deinit { Glibc.close(fd) }

  /// The next pending signal, or nil when none is.
  public func next() throws(SyscallError) -> SignalInfo? {
    var raw = splicer_signal_info()
    let result = splicer_read_signalfd(fd, &raw)
    if result < 0 { throw SyscallError(call: "read(signalfd)", errno: errno) }
    return result == 0 ? nil : SignalInfo(raw)
  }
}
