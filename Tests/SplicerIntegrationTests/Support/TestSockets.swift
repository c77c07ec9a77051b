import Glibc

struct TestSocketError: Error, CustomStringConvertible {
  let call: String
  let code: Int32
  var description: String { "\(call): errno \(code)" }
}

/// Blocking-free socket helpers for tests, all on 127.0.0.1.
enum TestSockets {
  static func loopback(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }

  /// A nonblocking listening socket on 127.0.0.1, port 0.
  /// - Parameter reusePort: SO_REUSEPORT, so that a `placeholder(port:)` can hold the port
  ///   between this listener and the next one on it.
  static func listen(backlog: Int32 = 1024, port: UInt16 = 0, reusePort: Bool = false) throws -> Int32 {
    try listen(host: "127.0.0.1", port: port, backlog: backlog, reusePort: reusePort)
  }

  /// A socket bound to 127.0.0.1:port with SO_REUSEPORT and not listening: connections to the
  /// port are refused, yet no other socket (and no connect's ephemeral port) can take it, so a
  /// test can stop a server and bring it back on the same port without a race.
  static func placeholder(port: UInt16) throws -> Int32 {
    try bound(port: port, reusePort: true)
  }

  private static func bound(port: UInt16, reusePort: Bool) throws -> Int32 {
    try bound(host: "127.0.0.1", port: port, reusePort: reusePort)
  }

  static func port(of fd: Int32) throws -> UInt16 {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let result = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard result == 0 else { throw TestSocketError(call: "getsockname", code: errno) }
    return UInt16(bigEndian: address.sin_port)
  }

  /// Sockets that hold the ports `refusingPort()` handed out, for the life of the test process.
  nonisolated(unsafe) private static var refusingSockets: [Int32] = []

  /// A port that refuses connections for the rest of the test run, for a dead server's
  /// address: a socket is bound to it and never listens. A port merely bound and closed could
  /// be taken meanwhile (as a connection's ephemeral port, or by another test's listener) and
  /// then answer.
  static func refusingPort() throws -> UInt16 {
    let fd = try bound(port: 0, reusePort: false)
    refusingSockets.append(fd)
    return try port(of: fd)
  }

  /// A port that was free a moment ago (bound, then closed): only a candidate, since any other
  /// process may take it next. Only for `ListeningPorts.startOnFreePort` and
  /// `SplicerProcess.onFixedPort`, which notice when the child could not have it and try
  /// another; a helper server that can bind port 0 does, and a dead server's address is
  /// `refusingPort()`.
  static func portFreeJustNow() throws -> UInt16 {
    let fd = try listen()
    let port = try port(of: fd)
    close(fd)
    return port
  }

  /// Connects (blocking, then switched to nonblocking) to 127.0.0.1:port.
  static func connect(port: UInt16, nonblocking: Bool = true) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    try connect(fd, port: port)
    if nonblocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    return fd
  }

  /// Connects `fd` (blocking) to 127.0.0.1:port; closes it if that fails.
  static func connect(_ fd: Int32, port: UInt16) throws {
    var address = loopback(port: port)
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else {
      let code = errno
      close(fd)
      throw TestSocketError(call: "connect", code: code)
    }
  }

  /// Reads until EOF or error with a receive timeout; returns the bytes and the final errno (0 on EOF).
  static func readToEnd(_ fd: Int32, timeoutSeconds: Int = 30) -> (bytes: [UInt8], errno: Int32) {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = read(fd, &buffer, buffer.count)
      if count > 0 {
        bytes.append(contentsOf: buffer[0..<count])
        continue
      }
      return (bytes, count == 0 ? 0 : errno)
    }
  }
}
