import CSplicer
import Glibc

/// Signals with their sender and value: the live upgrade's request (SIGUSR2 from `splicer
/// upgrade`, whose pid the old process notes) and its reply (a real-time signal carrying the
/// outcome). `wait(for:milliseconds:)` says only which signal came.
extension Signals {
  /// Waits up to `milliseconds` (nil: without limit) for one of `signals`, which must be
  /// blocked, and returns it with its sender; nil on timeout.
  public static func waitInfo(for signals: [Int32], milliseconds: Int?) -> SignalInfo? {
    var raw = splicer_signal_info()
    let limit = Int64(milliseconds ?? -1)
    while true {
      let received = signals.withUnsafeBufferPointer {
        splicer_wait_signal_info($0.baseAddress, Int32($0.count), limit, &raw)
      }
      if received >= 0 { return SignalInfo(raw) }
      // EINTR: another signal's handler ran. Waiting again restarts the whole timeout, which
      // only lengthens it, and Splicer installs no handlers that would make this a loop.
      if errno != EINTR { return nil }
    }
  }

  /// Sends `signal` to process `pid` with sigqueue(3): the receiver sees `.queued`, our pid and
  /// `value`. Signal 0 only checks that `pid` exists and may be signalled.
  public static func queue(pid: Int32, signal: Int32, value: Int32) throws(SyscallError) {
    // pid 0 and negative pids address process groups (-1: every process we may signal).
    guard pid > 0 else { throw SyscallError(call: "sigqueue(\(pid))", errno: EINVAL) }
    _ = try retryingInterrupts("sigqueue(\(pid), \(signal))") { splicer_queue_signal(pid, signal, value) }
  }

  /// Queues `signal` with `value` to the calling thread alone (pthread_sigqueue): the same
  /// `SignalInfo` as `queue(pid: getpid(), …)`, but no other thread of the process can take
  /// it, whatever they block. For a thread waking itself, and for tests.
  public static func queueToCallingThread(signal: Int32, value: Int32) throws(SyscallError) {
    _ = try retryingInterrupts("pthread_sigqueue(\(signal))") { splicer_queue_signal_to_self_thread(signal, value) }
  }
}
