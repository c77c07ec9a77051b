import Foundation
import Glibc
import XCTest

/// A server that answers before the client has finished sending, then resets (an HTTP server
/// refusing an upload with an early 413): the answer must reach the client, followed by a
/// reset, never by a clean EOF.
final class EarlyAnswerTests: RelayTestCase {
  static let answer = Array("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)

  /// Accepts one connection, reads the first bytes of the upload, writes `answer` and closes
  /// with a reset (SO_LINGER 0) while the client is still sending.
  private static func answerEarlyAndReset(_ listener: Int32) {
    var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
    guard poll(&entry, 1, 20_000) == 1 else { return }
    let fd = accept(listener, nil, nil)
    guard fd >= 0 else { return }
    _ = HostileSockets.read(fd, atLeast: 1_024, timeoutSeconds: 20)
    _ = answer.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    HostileSockets.resetClose(fd)
  }

  private func assertEarlyAnswerArrives(mode: String) throws {
    let listener = try TestSockets.listen()
    defer { close(listener) }
    let server = Thread { Self.answerEarlyAndReset(listener) }
    server.start()
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: "127.0.0.1:0", pool: backends, mode: \(mode) }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(try TestSockets.port(of: listener))" }] }
        tuning: { pipe_pool: 0 }
        log: { level: info, format: json, access_log: true }
        """)
    defer { relay.stop() }
    let client = try TestSockets.connect(port: relay.port())
    defer { close(client) }
    // Upload without end while reading whatever comes back, until the connection ends.
    var received: [UInt8] = []
    var sawReset = false
    var sawEOF = false
    let chunk = [UInt8](repeating: 0x55, count: 16_384)
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var writing = true
    // Each round blocks in poll(2) for at most a second: no sleep between rounds.
    waitUntil(20, every: 0) {
      if sawReset || sawEOF { return true }
      var entry = pollfd(fd: client, events: Int16(POLLIN) | (writing ? Int16(POLLOUT) : 0), revents: 0)
      guard poll(&entry, 1, 1_000) > 0 else { return false }
      if entry.revents & Int16(POLLOUT) != 0 {
        let sent = chunk.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 && (errno == ECONNRESET || errno == EPIPE) {
          // The error is taken by the write; a read after it returns the queued bytes, then 0.
          sawReset = true
          writing = false
        }
      }
      if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
        let got = read(client, &buffer, buffer.count)
        if got > 0 {
          received += buffer[0..<got]
        } else if got == 0 {
          sawEOF = true
        } else if errno == ECONNRESET {
          sawReset = true
        }
      }
      return false
    }
    // Whatever the relay had delivered before the reset is still queued for us.
    while true {
      let got = recv(client, &buffer, buffer.count, Int32(MSG_DONTWAIT))
      if got > 0 { received += buffer[0..<got] } else { break }
    }
    server.cancel()
    XCTAssertEqual(
      String(decoding: received, as: UTF8.self), String(decoding: Self.answer, as: UTF8.self),
      "\(mode): the server's early answer did not reach the client")
    XCTAssertTrue(sawReset, "\(mode): the client did not see the server's reset (clean EOF: \(sawEOF))")
    relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["server_reset"])
  }

  func testEarlyAnswerOfAResettingServerReachesASpliceClient() throws {
    try assertEarlyAnswerArrives(mode: "splice")
  }

  func testEarlyAnswerOfAResettingServerReachesACopyClient() throws {
    try assertEarlyAnswerArrives(mode: "copy")
  }
}
