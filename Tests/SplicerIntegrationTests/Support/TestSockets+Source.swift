import Glibc

extension TestSockets {
  /// Connects to 127.0.0.1:port from `source` (another loopback address such as 127.0.0.2, to
  /// test source routes and access rules); returns the socket, switched to nonblocking, and
  /// the client port the kernel chose.
  static func connect(port: UInt16, from source: String) throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    var local = sockaddr_in()
    local.sin_family = sa_family_t(AF_INET)
    local.sin_addr.s_addr = inet_addr(source)
    let bound = withUnsafePointer(to: &local) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else {
      let code = errno
      close(fd)
      throw TestSocketError(call: "bind \(source)", code: code)
    }
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
