import CSplicer
import Glibc

/// Socket calls on raw descriptors, with the options a proxy needs.
///
/// Descriptors are plain `Int32`s on the data path; whoever creates one owns it and must
/// `close` it exactly once. These functions only borrow.
public enum Socket {
  /// Throws EADDRINUSE if something already listens on `address`, by binding (not listening)
  /// a plain socket there and closing it.
  public static func checkAvailable(_ address: SocketAddress) throws(SyscallError) {
    let fd = try retryingInterrupts("socket") {
      Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | splicer_SOCK_CLOEXEC, 0)
    }
    defer { Glibc.close(fd) }
    try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
    if address.family == AF_INET6 {
      try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "setsockopt(IPV6_V6ONLY)")
    }
    _ = try retryingInterrupts("bind(\(address))") {
      address.withSockAddr { pointer, length in Glibc.bind(fd, pointer, length) }
    }
  }

  /// Opens, configures and binds a nonblocking listening socket.
  ///
  /// - Parameter reusePort: SO_REUSEPORT, so each worker can own a socket on the same address.
  public static func listen(on address: SocketAddress, reusePort: Bool, backlog: Int32) throws(SyscallError) -> Int32 {
    let fd = try retryingInterrupts("socket") {
      Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | splicer_SOCK_NONBLOCK | splicer_SOCK_CLOEXEC, 0)
    }
    do {
      try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
      if reusePort {
        try setOption(fd, SOL_SOCKET, splicer_SO_REUSEPORT, 1, "setsockopt(SO_REUSEPORT)")
      }
      if address.family == AF_INET6 {
        // A [::] listener should not also claim the IPv4 port; list both if both are wanted.
        try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "setsockopt(IPV6_V6ONLY)")
      }
      _ = try retryingInterrupts("bind(\(address))") {
        address.withSockAddr { pointer, length in Glibc.bind(fd, pointer, length) }
      }
      _ = try retryingInterrupts("listen") { Glibc.listen(fd, backlog) }
      return fd
    } catch {
      Glibc.close(fd)
      throw error
    }
  }

  /// Accepts one connection as nonblocking and close-on-exec.
  @inline(__always)
  public static func accept(_ listener: Int32) throws(SyscallError) -> IOResult<(fd: Int32, peer: SocketAddress)> {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = try withUnsafeMutablePointer(to: &storage) { pointer throws(SyscallError) in
      try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SyscallError) in
        try nonBlocking("accept4") {
          splicer_accept4(listener, address, &length, splicer_SOCK_NONBLOCK | splicer_SOCK_CLOEXEC)
        }
      }
    }
    switch result {
    case .wouldBlock: return .wouldBlock
    case .processed(let fd): return .processed((fd, SocketAddress(storage: storage, length: length)))
    }
  }

  /// The result of starting a nonblocking connect.
  public enum ConnectStart: Equatable, Sendable {
    case connected
    case inProgress
  }

  /// Opens a nonblocking socket and starts connecting it to `address`.
  ///
  /// On success the caller owns the returned descriptor, connected or still connecting.
  /// - Parameter keepalive: probes to set before the connect (TCP addresses only); nil: none.
  public static func startConnect(
    to address: SocketAddress, keepalive: KeepaliveProbes? = nil
  ) throws(SyscallError) -> (fd: Int32, state: ConnectStart) {
    let fd = try retryingInterrupts("socket") {
      Glibc.socket(address.family, Int32(SOCK_STREAM.rawValue) | splicer_SOCK_NONBLOCK | splicer_SOCK_CLOEXEC, 0)
    }
    if let keepalive, address.family != AF_UNIX {
      enableKeepalive(fd, keepalive)
    }
    let result = address.withSockAddr { pointer, length in Glibc.connect(fd, pointer, length) }
    if result == 0 { return (fd, .connected) }
    let code = Glibc.errno
    if code == EINPROGRESS || code == EINTR { return (fd, .inProgress) }
    Glibc.close(fd)
    throw SyscallError(call: "connect(\(address))", errno: code)
  }

  /// The pending error of a socket (SO_ERROR), 0 when there is none; reading it clears it.
  public static func pendingError(_ fd: Int32) -> Int32 {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 { return Glibc.errno }
    return value
  }

  /// Disables Nagle: a relay must not add latency to small writes.
  public static func setNoDelay(_ fd: Int32) {
    var one: Int32 = 1
    _ = setsockopt(fd, splicer_IPPROTO_TCP, splicer_TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
  }

  /// Makes the next close send a reset instead of a FIN, so the peer cannot mistake an
  /// aborted relay for a complete one.
  public static func setResetOnClose(_ fd: Int32) {
    var option = linger(l_onoff: 1, l_linger: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
  }

  /// shutdown(SHUT_WR): sends FIN; ENOTCONN (peer already gone) is not an error here.
  public static func shutdownWrite(_ fd: Int32) {
    _ = Glibc.shutdown(fd, Int32(SHUT_WR))
  }

  /// The local address a socket is bound to (for listeners bound to port 0).
  public static func localAddress(_ fd: Int32) throws(SyscallError) -> SocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    if result != 0 { throw SyscallError(call: "getsockname", errno: Glibc.errno) }
    return SocketAddress(storage: storage, length: length)
  }

  /// A close-on-exec duplicate of `fd`, sharing its open socket.
  public static func duplicate(_ fd: Int32) throws(SyscallError) -> Int32 {
    try retryingInterrupts("fcntl(F_DUPFD_CLOEXEC)") { fcntl(fd, F_DUPFD_CLOEXEC, 0) }
  }

  public static func close(_ fd: Int32) {
    // Linux releases the descriptor even when close reports EINTR; never retry it.
    _ = Glibc.close(fd)
  }

  private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ call: String)
    throws(SyscallError)
  {
    var value = value
    if setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
      throw SyscallError(call: call, errno: Glibc.errno)
    }
  }
}
