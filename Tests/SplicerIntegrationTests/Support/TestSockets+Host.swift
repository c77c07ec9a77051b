import Glibc

/// Socket helpers for a given numeric address, IPv4 (`127.0.0.2`) or IPv6 (`::1`), for tests
/// that need a listener or a client somewhere other than 127.0.0.1.
extension TestSockets {
  /// The socket address of `host` (numeric) and `port`, as sockaddr_storage and its length.
  static func address(host: String, port: UInt16) throws -> (storage: sockaddr_storage, length: socklen_t) {
    var parsed = false
    if host.contains(":") {
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_port = port.bigEndian
      parsed = inet_pton(AF_INET6, host, &address.sin6_addr) == 1
      if parsed { return storage(of: address) }
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      parsed = inet_pton(AF_INET, host, &address.sin_addr) == 1
      if parsed { return storage(of: address) }
    }
    throw TestSocketError(call: "inet_pton \(host)", code: EINVAL)
  }

  private static func storage<Address>(of address: Address) -> (storage: sockaddr_storage, length: socklen_t) {
    var storage = sockaddr_storage()
    withUnsafeMutableBytes(of: &storage) { target in
      withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
    }
    return (storage, socklen_t(MemoryLayout<Address>.size))
  }

  /// A nonblocking socket bound to `host`:`port`, not listening yet: with SO_REUSEADDR for a
  /// listener (`reuseAddress`), SO_REUSEPORT when asked.
  static func bound(host: String, port: UInt16, reuseAddress: Bool = true, reusePort: Bool = false) throws -> Int32 {
    var (storage, length) = try address(host: host, port: port)
    let fd = socket(
      Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestSocketError(call: "socket", code: errno) }
    var one: Int32 = 1
    if reuseAddress { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
    if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
    let result = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard result == 0 else {
      let code = errno
      close(fd)
      throw TestSocketError(call: "bind \(host)", code: code)
    }
    return fd
  }

  /// A nonblocking listening socket on `host` (IPv4 or IPv6), port 0 unless given.
  static func listen(host: String, port: UInt16 = 0, backlog: Int32 = 1024, reusePort: Bool = false) throws -> Int32 {
    let fd = try bound(host: host, port: port, reusePort: reusePort)
    guard Glibc.listen(fd, backlog) == 0 else {
      let code = errno
      close(fd)
      throw TestSocketError(call: "listen", code: code)
    }
    return fd
  }

  /// The bound port of a socket of either family (the port sits at the same offset in both).
  static func boundPort(of fd: Int32) throws -> UInt16 {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard result == 0 else { throw TestSocketError(call: "getsockname", code: errno) }
    return withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
  }

  /// Connects (blocking, then switched to nonblocking) to `host`:`port`.
  static func connect(host: String, port: UInt16, nonblocking: Bool = true) throws -> Int32 {
    var (storage, length) = try address(host: host, port: port)
    let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestSocketError(call: "socket", code: errno) }
    let result = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
    }
    guard result == 0 else {
      let code = errno
      close(fd)
      throw TestSocketError(call: "connect \(host):\(port)", code: code)
    }
    if nonblocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    return fd
  }

  /// Whether this machine can listen on `host` (e.g. ::1 where IPv6 is disabled it cannot).
  static func canListen(host: String) -> Bool {
    guard let fd = try? listen(host: host) else { return false }
    close(fd)
    return true
  }
}
