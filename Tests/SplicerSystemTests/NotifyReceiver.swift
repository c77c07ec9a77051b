import Glibc
import SplicerSystem
import XCTest

/// The service manager's side of the notify protocol for tests: an AF_UNIX datagram socket
/// bound to a file in a fresh temporary directory, or to an abstract name.
///
/// A datagram sent to a unix socket is queued on the receiver before sendto returns, so a test
/// can read it right after the send without waiting.
final class NotifyReceiver: Sendable {
  let fd: Int32
  /// The value for NOTIFY_SOCKET.
  let address: String
  private let directory: String?

  /// Binds a socket file `notify` in a new directory under /tmp.
  init() throws {
    var template = Array("/tmp/splicer-notify-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SyscallError(call: "mkdtemp", errno: errno) }
    directory = String(cString: made)
    address = directory! + "/notify"
    fd = try Self.bind(name: Array(address.utf8), abstract: false)
  }

  /// Binds an abstract socket whose name is unique to this process and call.
  init(abstractName: String) throws {
    directory = nil
    address = "@" + abstractName
    fd = try Self.bind(name: Array(abstractName.utf8), abstract: true)
  }

  deinit {
    close(fd)
    if let directory {
      unlink(address)
      rmdir(directory)
    }
  }

  /// The datagram waiting on the socket; fails the test when there is none.
  func receive(file: StaticString = #filePath, line: UInt = #line) -> String? {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
    if count < 0 {
      XCTFail("no datagram on the notify socket: \(SyscallError(call: "recv", errno: errno))", file: file, line: line)
      return nil
    }
    return String(decoding: buffer[0..<count], as: UTF8.self)
  }

  /// The next datagram with the descriptors that came with it, waiting up to 30 seconds.
  func receiveWithDescriptors(file: StaticString = #filePath, line: UInt = #line) -> DescriptorMessage? {
    // Borrowed, not owned: the receiver closes its socket itself.
    let socket = DescriptorChannel(fd: fd)
    do {
      return try socket.receive(deadline: MonotonicClock.now() + Duration.seconds(30).nanoseconds)
    } catch {
      XCTFail("no datagram on the notify socket: \(error)", file: file, line: line)
      return nil
    }
  }

  /// Whether another datagram is queued.
  var hasMore: Bool {
    var byte: UInt8 = 0
    return recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK)) >= 0
  }

  private static func bind(name: [UInt8], abstract: Bool) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    if fd < 0 { throw SyscallError(call: "socket", errno: errno) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let offset = abstract ? 1 : 0
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      raw.baseAddress!.advanced(by: offset).copyMemory(from: name, byteCount: name.count)
    }
    let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + offset + name.count)
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
    }
    if result != 0 {
      let code = errno
      close(fd)
      throw SyscallError(call: "bind", errno: code)
    }
    return fd
  }
}
