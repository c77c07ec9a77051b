import Glibc

/// Drives a set of `StreamConnection`s with poll(2) until all are done or a deadline passes.
enum PollDriver {
  /// Returns false if the deadline passed first (or poll failed). `extra` runs after each round.
  static func run(_ connections: [StreamConnection], timeoutSeconds: Double, extra: (() -> Void)? = nil) -> Bool {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { scratch.deallocate() }
    // Each round blocks in poll(2) for at most 100 ms: no sleep between rounds.
    let finished = waitFor(timeoutSeconds, every: 0) { () -> Bool? in
      let active = connections.filter { !$0.done }
      if active.isEmpty { return true }
      guard round(active, scratch: scratch) else { return false }
      extra?()
      return nil
    }
    return finished ?? false
  }

  /// One poll(2) of at most 100 ms over `active` (connections not yet done), then their reads
  /// and writes; false when poll fails.
  static func round(_ active: [StreamConnection], scratch: UnsafeMutableRawBufferPointer) -> Bool {
    var fds = active.map { connection -> pollfd in
      var events: Int16 = 0
      if connection.wantsRead { events |= Int16(POLLIN) }
      if connection.wantsWrite { events |= Int16(POLLOUT) }
      return pollfd(fd: connection.fd, events: events, revents: 0)
    }
    if poll(&fds, nfds_t(fds.count), 100) < 0 && errno != EINTR { return false }
    for (index, entry) in fds.enumerated() where entry.revents != 0 {
      let connection = active[index]
      if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { connection.readReady(scratch: scratch) }
      if entry.revents & Int16(POLLOUT | POLLERR) != 0 { connection.writeReady(scratch: scratch) }
      connection.closeIfComplete()
    }
    return true
  }
}
