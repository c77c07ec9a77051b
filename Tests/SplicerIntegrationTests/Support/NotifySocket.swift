import Foundation
import Glibc

/// A datagram socket standing in for systemd's notify socket: the relay is started with
/// `NOTIFY_SOCKET` set to `path`, and the test reads what it says, one message at a time.
final class NotifySocket {
  let path: String
  private let directory: URL
  private let fd: Int32

  /// Binds a socket in a fresh temporary directory; a receive waits up to `timeoutSeconds`.
  init(timeoutSeconds: Int = 10) throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    path = directory.appendingPathComponent("notify.sock").path
    fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard bound == 0 else { throw TestSocketError(call: "bind(\(path))", code: errno) }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  deinit {
    close(fd)
    try? FileManager.default.removeItem(at: directory)
  }

  /// The next message; empty after the timeout. A plain recv takes no control message, so a
  /// descriptor sent with one (sd_notify_barrier(3)'s) is dropped with it, which releases the
  /// barrier.
  func receive() -> String {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = recv(fd, &buffer, buffer.count, 0)
    return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
  }

  /// The next message that is not a watchdog ping (those keep coming in between).
  func receiveEvent() -> String {
    while true {
      let message = receive()
      if message != "WATCHDOG=1" { return message }
    }
  }
}
