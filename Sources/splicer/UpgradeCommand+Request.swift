import Glibc
import SplicerCore
import SplicerSystem

/// The request and the wait: the part of `splicer upgrade` that talks to the target.
extension UpgradeCommand {
  /// Sends the request to `target` and waits for its reply or its exit, at most `limit`.
  ///
  /// Only a queued reply signal from the target's pid counts: another process's (a second
  /// target replying to a second command is not ours to take) or a plain `kill` is dropped.
  static func request(_ target: UpgradeTarget, within limit: Duration) throws(SyscallError) -> UpgradeAnswer {
    let signal = UpgradeReply.replySignal
    // Blocked before the request goes out, so that a fast reply stays pending for the
    // signalfd instead of killing us (a real-time signal's default action).
    Signals.block([signal])
    let replies = try SignalDescriptor(signals: [signal])
    let process = try ProcessDescriptor(pid: target.pid)
    // The pidfd is bound to the process found in /proc; if that one is already gone, the pid
    // may be another process's by now, which must not get the signal.
    if process.hasExited { return .targetExited }
    try Signals.queue(pid: target.pid, signal: UpgradeReply.requestSignal, value: 0)
    let deadline = MonotonicClock.now() &+ limit.nanoseconds
    while true {
      // Replies first: a target that replies and exits at once has done both by now.
      while let reply = try replies.next() {
        if reply.senderPID == target.pid && reply.origin == .queued {
          return .replied(UpgradeReply(code: reply.value))
        }
      }
      if process.hasExited { return .targetExited }
      let now = MonotonicClock.now()
      if now >= deadline { return .noAnswer }
      var descriptors = [
        pollfd(fd: replies.fd, events: Int16(POLLIN), revents: 0),
        pollfd(fd: process.fd, events: Int16(POLLIN), revents: 0),
      ]
      // Rounded up, so the last wait does not end a fraction of a millisecond early and spin.
      let milliseconds = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
      _ = try retryingInterrupts("poll") { poll(&descriptors, 2, milliseconds) }
    }
  }
}
