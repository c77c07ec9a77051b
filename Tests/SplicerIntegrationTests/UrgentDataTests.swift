import Foundation
import Glibc
import XCTest

/// TCP urgent data (MSG_OOB) through the relay, in both modes and both directions.
///
/// splice(2) stops at the urgent mark: taken at its word, the stream stalls there (EAGAIN
/// with bytes still queued) or ends early in a clean FIN (when the sender's FIN is queued
/// too). The relay must deliver every ordinary byte after the mark; the urgent byte itself is
/// dropped, as any read without SO_OOBINLINE drops it (and as HAProxy without splice and
/// nginx stream do), in both modes alike.
final class UrgentDataTests: RelayTestCase {
  private func relay(mode: String, backendPort: UInt16) throws -> SplicerProcess {
    try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: "127.0.0.1:0", pool: backends, mode: \(mode) }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backendPort)" }] }
        timeouts: { connect: 5s, idle: 60s }
        tuning: { pipe_pool: 0 }
        log: { level: info, format: json, access_log: true }
        """)
  }

  private static func send(_ fd: Int32, _ text: String, flags: Int32 = 0) {
    let bytes = Array(text.utf8)
    let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, flags | Int32(MSG_NOSIGNAL)) }
    XCTAssertEqual(sent, bytes.count, "send \(text) (flags \(flags)): errno \(errno)")
  }

  /// Reads until `count` bytes arrived (bounded: a stall fails, it does not hang).
  private static func read(_ fd: Int32, count: Int) -> String {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while bytes.count < count {
      let got = Glibc.read(fd, &buffer, min(buffer.count, count - bytes.count))
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      bytes += buffer[0..<got]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The sender writes ordinary bytes, one urgent byte, more ordinary bytes; first with the
  /// connection held open (the relay must not stall at the mark), then again followed at once
  /// by its FIN (the relay must not take the mark for the end of the stream).
  private func assertUrgentBytesDoNotCutTheStream(mode: String) throws {
    let backendListener = try TestSockets.listen()
    defer { close(backendListener) }
    let relay = try relay(mode: mode, backendPort: try TestSockets.port(of: backendListener))
    defer { relay.stop() }
    let client = try TestSockets.connect(port: relay.port(), nonblocking: false)
    defer { close(client) }
    var entry = pollfd(fd: backendListener, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&entry, 1, 20_000), 1, "the relay never connected to the server")
    let server = accept(backendListener, nil, nil)
    XCTAssertGreaterThanOrEqual(server, 0)
    defer { close(server) }

    for (sender, receiver, side) in [(client, server, "client to server"), (server, client, "server to client")] {
      Self.send(sender, "abc")
      Self.send(sender, "!", flags: Int32(MSG_OOB))
      Self.send(sender, "def")
      XCTAssertEqual(Self.read(receiver, count: 6), "abcdef", "\(mode), \(side): stalled at the urgent mark")
      Self.send(sender, "gh")
      Self.send(sender, "?", flags: Int32(MSG_OOB))
      Self.send(sender, "ij")
      shutdown(sender, Int32(SHUT_WR))
      let rest = TestSockets.readToEnd(receiver, timeoutSeconds: 20)
      XCTAssertEqual(
        String(decoding: rest.bytes, as: UTF8.self), "ghij", "\(mode), \(side): the stream ended at the urgent mark")
      XCTAssertEqual(rest.errno, 0, "\(mode), \(side): the stream did not end in a clean EOF")
    }
    relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["completed"])
  }

  func testUrgentBytesDoNotCutASpliceStream() throws {
    try assertUrgentBytesDoNotCutTheStream(mode: "splice")
  }

  func testUrgentBytesDoNotCutACopyStream() throws {
    try assertUrgentBytesDoNotCutTheStream(mode: "copy")
  }
}
