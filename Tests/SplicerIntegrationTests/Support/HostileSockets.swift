import Foundation
import Glibc

/// Socket moves of misbehaving clients: connects that are never followed up, resets
/// (SO_LINGER 0) at chosen moments, one-byte sends, and polling for a relay figure with a
/// deadline. Every descriptor returned belongs to the caller, who must close it.
enum HostileSockets {
  /// Starts a nonblocking connect to 127.0.0.1:port and returns at once: the handshake may
  /// still be in progress (the relay's backlog may be full). nil when this process is out of
  /// descriptors.
  static func startConnect(port: UInt16) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = TestSockets.loopback(port: port)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    return fd
  }

  /// Closes with a reset instead of a FIN: the peer's next call fails with ECONNRESET.
  static func resetClose(_ fd: Int32) {
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    close(fd)
  }

  /// Writes all of `bytes` on a blocking socket; false if a write failed.
  @discardableResult
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { return false }
      sent += count
    }
    return true
  }

  /// Writes `count` bytes of a pattern on a blocking socket; false if a write failed.
  @discardableResult
  static func writePattern(_ fd: Int32, seed: UInt64, count: Int) -> Bool {
    var stream = PatternStream(seed: seed, length: count)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    defer { scratch.deallocate() }
    while stream.remaining > 0 {
      let chunk = stream.peek(into: scratch)
      let written = write(fd, scratch.baseAddress, chunk)
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return false }
      stream.advance(by: written)
    }
    return true
  }

  /// Reads (blocking, with a receive timeout) until `count` bytes arrived, EOF or an error;
  /// returns how many arrived.
  static func read(_ fd: Int32, atLeast count: Int, timeoutSeconds: Int = 30) -> Int {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var total = 0
    while total < count {
      let got = Glibc.read(fd, &buffer, min(buffer.count, count - total))
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      total += got
    }
    return total
  }

  /// Whether the peer closed `fd` (EOF or reset) within the timeout, without reading data
  /// that the test still expects: a pending byte counts as "not closed".
  static func peerClosed(_ fd: Int32, timeoutMilliseconds: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&entry, 1, timeoutMilliseconds) == 1 else { return false }
    var byte: UInt8 = 0
    let got = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
    return got == 0 || (got < 0 && errno != EAGAIN)
  }

  /// The sum of every series of `name` whose labels contain all of `labels` (e.g.
  /// `reason="client_reset"`), in a Prometheus text exposition.
  static func metricSum(_ exposition: String, _ name: String, labels: [String] = []) -> Double {
    var total = 0.0
    for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
      let text = String(line)
      guard labels.allSatisfy({ text.contains($0) }), let space = text.lastIndex(of: " ") else { continue }
      total += Double(text[text.index(after: space)...]) ?? 0
    }
    return total
  }

  /// Connections to 127.0.0.1:`port` that the kernel holds for a listener and nobody has
  /// accepted yet: the accept queues of the listening sockets (their rx_queue in
  /// /proc/net/tcp) plus handshakes in progress (SYN_RECV).
  static func pendingConnections(toPort port: UInt16) -> Int {
    guard let table = ListeningPorts.readWhole("/proc/net/tcp") else { return -1 }
    let local = String(format: "0100007F:%04X", port)
    var pending = 0
    for line in table.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count > 4, fields[1] == local else { continue }
      switch fields[3] {
      case "0A": pending += Int(fields[4].split(separator: ":").last ?? "", radix: 16) ?? 0
      case "03": pending += 1
      default: break
      }
    }
    return pending
  }
}
