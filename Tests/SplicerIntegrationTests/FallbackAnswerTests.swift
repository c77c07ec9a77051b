import Foundation
import Glibc
import XCTest

/// The all-down fallback answer to a client with a small receive buffer: it must arrive
/// whole and end in a clean EOF, or, when the relay gives up on a client too slow to take it,
/// end in a reset, never in a FIN that makes a cut-off answer look complete.
final class FallbackAnswerTests: RelayTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("fallback-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: directory)
  }

  /// A relay whose only server is draining, so every client gets the fallback file.
  private func relayAnswering(with payload: [UInt8], connectTimeout: String) throws -> SplicerProcess {
    let path = directory.appendingPathComponent("503.http").path
    try Data(payload).write(to: URL(fileURLWithPath: path))
    return try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: "127.0.0.1:0", pool: backends }]
        pools:
          backends:
            when_all_down: { respond_file: \(path) }
            servers: [{ address: "127.0.0.1:9", drain: true }]
        timeouts: { connect: \(connectTimeout), idle: 60s }
        log: { level: info, format: json, access_log: true }
        """)
  }

  private static func payload(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
  }

  /// A client socket with a small receive buffer, connected to the relay, that has not read.
  private func slowClient(port: UInt16) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    var size: Int32 = 4_096
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    try TestSockets.connect(fd, port: port)
    return fd
  }

  /// The TCP state (as in /proc/net/tcp: 1 established, 4 FIN_WAIT1, 5 FIN_WAIT2, ...) of the
  /// relay's end of the connection from `client`.
  private func relayEndState(of client: Int32, listenerPort: UInt16) throws -> Int? {
    let clientPort = try TestSockets.port(of: client)
    // Read to the end with read(2): /proc reports a size of 0, and a reader that trusts the
    // size stops after the first page, before the connection's line when many sockets exist.
    let fd = open("/proc/net/tcp", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestSocketError(call: "open /proc/net/tcp", code: errno) }
    defer { close(fd) }
    var data: [UInt8] = []
    var page = [UInt8](repeating: 0, count: 65_536)
    while true {
      let got = read(fd, &page, page.count)
      if got <= 0 { break }
      data += page[0..<got]
    }
    let table = String(decoding: data, as: UTF8.self)
    let local = String(format: ":%04X", listenerPort)
    let remote = String(format: ":%04X", clientPort)
    for line in table.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ")
      guard fields.count > 3, fields[1].hasSuffix(local), fields[2].hasSuffix(remote) else { continue }
      return Int(fields[3], radix: 16)
    }
    return nil
  }

  /// The client's request and FIN arrive together after the relay has handed the whole file
  /// to the kernel and shut down its side, while part of the file still waits in the relay's
  /// send queue (the client reads slowly). The relay must read the request before it closes:
  /// closing on unread bytes would reset the connection and drop the queued rest.
  func testRequestArrivingWithTheClientsFINAfterTheWholeAnswerIsQueuedCutsNothing() throws {
    let payload = Self.payload(1 << 20)
    let relay = try relayAnswering(with: payload, connectTimeout: "20s")
    defer { relay.stop() }
    let client = try slowClient(port: relay.port())
    defer { close(client) }
    // Read a little at a time until the relay's end is in FIN_WAIT1 or FIN_WAIT2: it has
    // handed over the last byte of the file and sent its FIN after it. How much the kernel
    // queues at once varies, so the client makes room until then.
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4_096)
    let finished = waitUntil(20) {
      if [4, 5].contains((try? self.relayEndState(of: client, listenerPort: relay.port())) ?? 0) { return true }
      var entry = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
      if poll(&entry, 1, 100) == 1 {
        let got = read(client, &chunk, chunk.count)
        if got > 0 { bytes += chunk[0..<got] }
      }
      return false
    }
    XCTAssertNotNil(finished, "the relay never finished queueing the answer")
    XCTAssertLessThan(bytes.count, payload.count, "the client read it all before sending")
    XCTAssertTrue(HostileSockets.writeAll(client, Array("GET / HTTP/1.1\r\n\r\n".utf8)))
    shutdown(client, Int32(SHUT_WR))
    let (rest, error) = TestSockets.readToEnd(client, timeoutSeconds: 20)
    bytes += rest
    XCTAssertEqual(error, 0, "the answer ended in an error, not a clean EOF")
    XCTAssertEqual(bytes.count, payload.count)
    XCTAssertTrue(bytes == payload, "fallback bytes differ")
    relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["no_server_up"])
  }

  /// A client that reads nothing while the answer is far larger than what the kernel can
  /// queue for it: the timeout ends the answer before its last byte went out, and the client
  /// must see that as a reset after whatever part it got, never as a clean EOF.
  func testAnswerCutByTheTimeoutEndsInAResetNotAFIN() throws {
    let payload = Self.payload(32 << 20)
    let relay = try relayAnswering(with: payload, connectTimeout: "300ms")
    defer { relay.stop() }
    let client = try slowClient(port: relay.port())
    defer { close(client) }
    XCTAssertEqual(relay.waitForClosedConnections(1).count, 1, "the fallback timeout never closed the connection")
    let (bytes, error) = TestSockets.readToEnd(client, timeoutSeconds: 20)
    XCTAssertLessThan(bytes.count, payload.count, "the whole answer fit after all; the test needs a larger file")
    XCTAssertTrue(bytes[...] == payload[..<bytes.count], "the part that arrived differs")
    XCTAssertEqual(error, ECONNRESET, "a cut-off answer ended in a clean EOF after \(bytes.count) bytes")
  }
}
