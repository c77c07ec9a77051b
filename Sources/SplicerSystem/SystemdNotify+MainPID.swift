import CSplicer
import Glibc

extension SystemdNotify {
  /// `MAINPID=`: tells the service manager that `pid` is the service's main process from now
  /// on (the live upgrade's hand-off to the new process). systemd accepts it from the current
  /// main process when `pid` is in the unit's cgroup, as a child of the main process is.
  public func mainPID(_ pid: Int32, status: String? = nil) throws(SyscallError) {
    try send(["MAINPID=\(pid)"] + Self.statusLine(status))
  }

  /// `BARRIER=1`, as sd_notify_barrier(3): sends the write end of a fresh pipe with the
  /// message and waits until the manager closes it, which it does once it has processed every
  /// message sent before. Our copy of the write end is closed right after the send, so the
  /// read end sees POLLHUP exactly when the manager's copy goes.
  ///
  /// - Returns: true when the manager got that far, false when `timeout` passed first (the
  ///   caller decides whether to go on anyway). True at once when disabled.
  public func barrier(timeout: Duration) throws(SyscallError) -> Bool {
    guard let address else { return true }
    var ends: [Int32] = [-1, -1]
    _ = try retryingInterrupts("pipe2") { splicer_pipe2(&ends, splicer_O_CLOEXEC) }
    let (readEnd, writeEnd) = (ends[0], ends[1])
    defer { Glibc.close(readEnd) }
    do {
      try Self.sendDatagram("BARRIER=1", to: address, descriptors: [writeEnd])
    } catch {
      Glibc.close(writeEnd)
      throw error
    }
    Glibc.close(writeEnd)
    let deadline = MonotonicClock.now() &+ timeout.nanoseconds
    while true {
      let now = MonotonicClock.now()
      if now >= deadline { return false }
      // Rounded up, so that the wait never ends just before the deadline and spins.
      var entry = pollfd(fd: readEnd, events: 0, revents: 0)
      let ready = poll(&entry, 1, Int32(clamping: (deadline - now + 999_999) / 1_000_000))
      if ready < 0 {
        if Glibc.errno == EINTR { continue }
        throw SyscallError(call: "poll(BARRIER=1 pipe)", errno: Glibc.errno)
      }
      // POLLHUP is reported even when not asked for; nothing else can happen on a read end
      // whose write ends are all closed.
      if ready > 0 && entry.revents & Int16(POLLHUP) != 0 { return true }
    }
  }
}
