import Glibc

/// Drives a set of `StreamConnection`s with poll(2) until all are done or a deadline passes.
enum PollDriver {
  /// Returns false if the deadline passed first.
  static func run(_ connections: [StreamConnection], timeoutSeconds: Double, extra: (() -> Void)? = nil) -> Bool {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { scratch.deallocate() }
    let deadline = TestClock.now() + timeoutSeconds
    while true {
      let active = connections.filter { !$0.done }
      if active.isEmpty { return true }
      if TestClock.now() > deadline { return false }
      var fds = active.map { connection -> pollfd in
        var events: Int16 = 0
        if connection.wantsRead { events |= Int16(POLLIN) }
        if connection.wantsWrite { events |= Int16(POLLOUT) }
        return pollfd(fd: connection.fd, events: events, revents: 0)
      }
      let ready = poll(&fds, nfds_t(fds.count), 100)
      if ready < 0 && errno != EINTR { return false }
      for (index, entry) in fds.enumerated() where entry.revents != 0 {
        let connection = active[index]
        if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { connection.readReady(scratch: scratch) }
        if entry.revents & Int16(POLLOUT | POLLERR) != 0 { connection.writeReady(scratch: scratch) }
        connection.closeIfComplete()
      }
      extra?()
    }
  }
}

enum TestClock {
  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}
