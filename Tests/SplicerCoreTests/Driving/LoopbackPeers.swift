import Glibc
import SplicerSystem
import XCTest

/// What a nonblocking read of a test's peer socket found.
enum PeerRead: Equatable {
  case bytes([UInt8])
  case wouldBlock
  case endOfStream
  case failed(Int32)
}

/// The test's own ends of loopback connections: clients of the worker, and the servers behind
/// it. Every socket is nonblocking and on 127.0.0.1 with a port the kernel chose; loopback
/// delivers within the sending call, so what one end sent is there for the other at once.
enum LoopbackPeers {
  static func address(port: UInt16) -> SocketAddress {
    SocketAddress(ip: "127.0.0.1", port: port)!
  }

  /// A listening socket on a port the kernel chooses.
  static func listen(backlog: Int32 = 64) throws -> (fd: Int32, port: UInt16) {
    let fd = try Socket.listen(on: address(port: 0), reusePort: false, backlog: backlog)
    return (fd, try Socket.localAddress(fd).port)
  }

  /// A socket bound to a port but not listening: a connect to it is refused, and nothing else
  /// can take the port while the test holds it.
  static func refusingPort() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    let bound = address(port: 0).withSockAddr { bind(fd, $0, $1) }
    XCTAssertEqual(bound, 0, "bind: errno \(errno)")
    return (fd, try Socket.localAddress(fd).port)
  }

  /// Starts a nonblocking connect to 127.0.0.1:`port`.
  static func connect(port: UInt16) throws -> Int32 {
    try Socket.startConnect(to: address(port: port)).fd
  }

  /// Whether a connect started on `fd` has neither completed nor failed.
  static func isPending(_ fd: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    return poll(&entry, 1, 0) == 0
  }

  /// Sends all of `text`; loopback buffers take a few bytes at once.
  static func send(_ fd: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    XCTAssertEqual(sent, bytes.count, "send: errno \(errno)")
  }

  static func shutdownWrite(_ fd: Int32) {
    XCTAssertEqual(shutdown(fd, Int32(SHUT_WR)), 0)
  }

  /// One nonblocking read of what has arrived.
  static func read(_ fd: Int32) -> PeerRead {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
    if count > 0 { return .bytes(Array(buffer[0..<count])) }
    if count == 0 { return .endOfStream }
    let code = errno
    return code == EAGAIN || code == EWOULDBLOCK ? .wouldBlock : .failed(code)
  }

  /// Accepts one waiting connection, if any.
  static func accept(_ listener: Int32) -> Int32? {
    guard case .processed(let (fd, _)) = try? Socket.accept(listener) else { return nil }
    return fd
  }
}
