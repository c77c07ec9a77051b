import Foundation
import Glibc

/// A backend server on 127.0.0.1:0 (or another address), run on its own thread, that speaks the test protocol:
/// the client's first 24 bytes say how many bytes to send back (`responseLength`), from which
/// seed, and how (`flags`); everything after them is hashed. Results are kept per seed.
final class TestBackend: @unchecked Sendable {
  enum Behavior {
    /// Serve the protocol.
    case serve
    /// Accept and close at once.
    case closeImmediately
    /// Accept and never read or write.
    case holdOpen
    /// Answer any request with this HTTP status and close.
    case httpStatus(Int)
    /// Answer "+PONG\r\n" to anything, like Redis to PING.
    case pong
    /// Write this greeting on accept, before reading anything (as SMTP or SSH servers do),
    /// then hold the connection open.
    case greeting(String)
    /// Read this many bytes, then reset the connection (SO_LINGER 0) without answering.
    case resetAfterReading(Int)
  }

  struct Received: Equatable {
    let count: Int
    let digest: String
  }

  static let headerLength = 24
  static let flagSendAfterEOF: UInt64 = 1
  static let flagResetHalfway: UInt64 = 2

  /// The 24-byte request header.
  static func header(responseLength: Int, seed: UInt64, flags: UInt64 = 0) -> [UInt8] {
    var bytes: [UInt8] = []
    for value in [UInt64(responseLength), seed, flags] {
      withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  let port: UInt16
  let behavior: Behavior
  private let listenFD: Int32
  private let lock = NSCondition()
  private var results: [UInt64: Received] = [:]
  private var sentBySeed: [UInt64: Int] = [:]
  private var acceptedCount = 0
  private var stopping = false
  private var thread: Thread?
  private var held: [Int32] = []

  /// - Parameter port: a fixed port (to bring a "restarted" backend back where it was, see
  ///   `stopKeepingPort()`).
  /// - Parameter host: the numeric address to listen on, IPv4 or IPv6 (`::1`).
  init(behavior: Behavior = .serve, port fixedPort: UInt16? = nil, host: String = "127.0.0.1") throws {
    self.behavior = behavior
    if host == "127.0.0.1" {
      listenFD = try TestSockets.listen(port: fixedPort ?? 0, reusePort: true)
    } else {
      listenFD = try TestSockets.listen(host: host, port: fixedPort ?? 0)
    }
    port = try TestSockets.boundPort(of: listenFD)
    let thread = Thread { [unowned self] in self.serve() }
    thread.stackSize = 1 << 20
    self.thread = thread
    thread.start()
  }

  var accepted: Int {
    lock.lock()
    defer { lock.unlock() }
    return acceptedCount
  }

  /// Reply bytes written so far (into the kernel) on the connection with this seed.
  func sent(seed: UInt64) -> Int {
    lock.lock()
    defer { lock.unlock() }
    return sentBySeed[seed] ?? 0
  }

  /// Waits until the connection with this seed has finished; nil on timeout.
  func result(seed: UInt64, timeoutSeconds: Double = 30) -> Received? {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    while results[seed] == nil {
      if !lock.wait(until: deadline) { return results[seed] }
    }
    return results[seed]
  }

  /// Stops, but first binds a `TestSockets.placeholder` on the port and returns it: the port
  /// refuses connections, as a dead server's would, and stays free for `TestBackend(port:)`
  /// (close the placeholder once that has started).
  func stopKeepingPort() throws -> Int32 {
    let placeholder = try TestSockets.placeholder(port: port)
    stop()
    return placeholder
  }

  func stop() {
    lock.lock()
    // Idempotent, so that a test may stop its backend early and still `defer` it.
    if stopping {
      lock.unlock()
      return
    }
    stopping = true
    lock.unlock()
    while thread?.isFinished == false { usleep(1000) }
    Glibc.close(listenFD)
    for fd in held { Glibc.close(fd) }
  }

  private var isStopping: Bool {
    lock.lock()
    defer { lock.unlock() }
    return stopping
  }

  private func serve() {
    var connections: [StreamConnection] = []
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer {
      scratch.deallocate()
      for connection in connections { connection.close() }
    }
    while !isStopping {
      var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
      for connection in connections {
        var events: Int16 = 0
        if connection.wantsRead { events |= Int16(POLLIN) }
        if connection.wantsWrite { events |= Int16(POLLOUT) }
        fds.append(pollfd(fd: connection.fd, events: events, revents: 0))
      }
      _ = poll(&fds, nfds_t(fds.count), 50)
      if fds[0].revents & Int16(POLLIN) != 0 { acceptAll(into: &connections) }
      for (index, entry) in fds.dropFirst().enumerated() where entry.revents != 0 {
        let connection = connections[index]
        if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { connection.readReady(scratch: scratch) }
        if entry.revents & Int16(POLLOUT | POLLERR) != 0 {
          connection.writeReady(scratch: scratch)
          if connection.header.count == Self.headerLength {
            let seed = Self.value(connection.header, at: 8)
            lock.lock()
            sentBySeed[seed] = connection.outgoing.position
            lock.unlock()
          }
        }
        connection.closeIfComplete()
      }
      let finished = connections.filter { $0.closed }
      if !finished.isEmpty {
        lock.lock()
        for connection in finished where connection.header.count == Self.headerLength {
          let seed = Self.value(connection.header, at: 8)
          results[seed] = Received(count: connection.received.byteCount, digest: connection.receivedDigest ?? "")
        }
        lock.broadcast()
        lock.unlock()
        connections.removeAll { $0.closed }
      }
    }
  }

  private func acceptAll(into connections: inout [StreamConnection]) {
    while true {
      let fd = accept(listenFD, nil, nil)
      if fd < 0 { return }
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      lock.lock()
      acceptedCount += 1
      lock.unlock()
      switch behavior {
      case .closeImmediately:
        Glibc.close(fd)
      case .holdOpen:
        held.append(fd)
      case .httpStatus(let status):
        let reply = "HTTP/1.1 \(status) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        Self.answer(fd, reply)
      case .pong:
        Self.answer(fd, "+PONG\r\n")
      case .resetAfterReading(let count):
        Self.readThenReset(fd, count: count)
      case .greeting(let text):
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        held.append(fd)
      case .serve:
        let connection = StreamConnection(fd: fd, outgoing: PatternStream(seed: 0, length: 0))
        connection.receiveHeaderLength = Self.headerLength
        connection.holdSend = true
        connection.onHeader = { [unowned connection] (header: [UInt8]) in
          connection.holdSend = false
          guard header.count == Self.headerLength else { return }
          let length = Int(Self.value(header, at: 0))
          let flags = Self.value(header, at: 16)
          connection.outgoing = PatternStream(seed: Self.value(header, at: 8), length: length)
          connection.sendAfterPeerEOF = flags & Self.flagSendAfterEOF != 0
          if flags & Self.flagResetHalfway != 0 { connection.resetAfterSending = length / 2 }
        }
        connections.append(connection)
      }
    }
  }

  /// Reads (bounded in time) `count` bytes, then closes with a reset.
  private static func readThenReset(_ fd: Int32, count: Int) {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var read = 0
    // Each round blocks in poll(2) for at most 100 ms; an end or error also ends the wait.
    waitUntil(5, every: 0) {
      guard read < count else { return true }
      var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&entry, 1, 100)
      let got = Glibc.read(fd, &buffer, min(buffer.count, count - read))
      if got == 0 || (got < 0 && errno != EAGAIN) { return true }
      if got > 0 { read += got }
      return false
    }
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    close(fd)
  }

  /// Waits (bounded) for the request's first bytes, writes `reply`, closes.
  private static func answer(_ fd: Int32, _ reply: String) {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    _ = poll(&entry, 1, 1_000)
    var buffer = [UInt8](repeating: 0, count: 4096)
    _ = read(fd, &buffer, buffer.count)
    let bytes = Array(reply.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    shutdown(fd, Int32(SHUT_WR))
    close(fd)
  }

  private static func value(_ bytes: [UInt8], at offset: Int) -> UInt64 {
    var value: UInt64 = 0
    for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
    return value
  }
}
