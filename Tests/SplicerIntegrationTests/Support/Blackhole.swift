import Glibc

/// A loopback address whose SYNs go unanswered: a listening socket with a backlog of 0 and
/// its accept queue filled by connections nobody accepts. Further connects hang until the
/// connecting side gives up, like a firewalled or dead host, without leaving 127.0.0.0/8.
final class Blackhole {
  let port: UInt16
  private let listenFD: Int32
  private var fillers: [Int32] = []

  init() throws {
    listenFD = try TestSockets.listen(backlog: 0)
    port = try TestSockets.port(of: listenFD)
    // With backlog 0 Linux queues one connection; a second completes too on some kernels.
    for _ in 0..<2 {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
      var address = TestSockets.loopback(port: port)
      _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      fillers.append(fd)
    }
  }

  /// Whether a fresh connect really hangs (checked with a short poll), so a test can tell a
  /// kernel where the trick does not work from a relay bug.
  func swallowsConnects() -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
    defer { close(fd) }
    var address = TestSockets.loopback(port: port)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    return poll(&entry, 1, 300) == 0
  }

  deinit {
    for fd in fillers { close(fd) }
    close(listenFD)
  }
}
