import Glibc

extension TestSockets {
  /// Connects to 127.0.0.1:port from `source` (another loopback address such as 127.0.0.2, to
  /// test source routes and access rules); returns the socket, switched to nonblocking, and
  /// the client port the kernel chose.
  static func connect(port: UInt16, from source: String) throws -> (fd: Int32, port: UInt16) {
    let fd = try bound(host: source, port: 0, reuseAddress: false)
    // Blocking for the connect, as `connect(port:)` does; nonblocking again after it.
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    try connect(fd, port: port)
    let clientPort = try TestSockets.port(of: fd)
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return (fd, clientPort)
  }

  /// Writes all of `bytes` to a blocking or nonblocking socket (waiting with poll).
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if count > 0 {
        sent += count
      } else if count < 0 && errno == EAGAIN {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = poll(&entry, 1, 1_000)
      } else {
        return false
      }
    }
    return true
  }
}
