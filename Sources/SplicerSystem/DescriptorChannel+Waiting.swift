import Glibc

extension DescriptorChannel {
  /// Waits with `poll` until the socket is ready for `events` or `deadline` (monotonic
  /// nanoseconds) passes. Returns on readiness, a hang-up or an error condition: the retried
  /// call then reports what happened.
  func wait(for events: Int16, until deadline: UInt64) throws(DescriptorChannelError) {
    while true {
      let now = MonotonicClock.now()
      if now >= deadline { throw DescriptorChannelError(.timedOut) }
      // Rounded up, so that a wait never ends just before the deadline and spins.
      let milliseconds = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
      var entry = pollfd(fd: fd, events: events, revents: 0)
      let ready = poll(&entry, 1, milliseconds)
      if ready > 0 { return }
      if ready < 0 {
        let code = Glibc.errno
        if code == EINTR { continue }
        throw DescriptorChannelError(.syscall(SyscallError(call: "poll", errno: code)))
      }
    }
  }
}
