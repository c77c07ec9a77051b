import Foundation
import Glibc
import XCTest

/// A listener at `max_connections` stops accepting; a reload that raises the limit, or renames
/// the listener on the same address, must leave it accepting whenever it is below its (new)
/// limit, and the connections it had open must count against the listener they now belong to.
final class ListenerLimitReloadTests: RelayTestCase {
  /// One worker, one listener with `max_connections`, in front of a server answering
  /// "+PONG\r\n" to anything.
  private func config(name: String = "test", bind: String = "127.0.0.1:0", limit: Int, backend: TestBackend)
    -> String
  {
    """
    workers: 1
    listeners: [{ name: \(name), bind: "\(bind)", pool: backends, max_connections: \(limit) }]
    pools:
      backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  /// Sends a ping; true once the pong and the relay's EOF arrived. The socket stays open,
  /// so the connection keeps its listener slot until the caller closes it.
  private func ping(_ fd: Int32) -> Bool {
    guard HostileSockets.writeAll(fd, Array("PING\r\n".utf8)) else { return false }
    let reply = TestSockets.readToEnd(fd, timeoutSeconds: 20)
    return reply.bytes == Array("+PONG\r\n".utf8) && reply.errno == 0
  }

  /// Holds the listener's only slot with client A and leaves client B waiting in the backlog
  /// behind it, with the listener paused at its limit.
  private func holdTheOnlySlot(_ relay: SplicerProcess, port: UInt16) throws -> (holder: Int32, waiting: Int32) {
    let holder = try TestSockets.connect(port: port)
    XCTAssertTrue(ping(holder), "the first client was not served")
    let waiting = try TestSockets.connect(port: port)
    XCTAssertTrue(HostileSockets.writeAll(waiting, Array("PING\r\n".utf8)))
    let metrics = { (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? "" }
    XCTAssertNotNil(
      waitUntil(20) { HostileSockets.metricSum(metrics(), "splicer_listener_limit_pauses_total") >= 1 },
      "the listener never paused at its limit")
    return (holder, waiting)
  }

  /// Waits for the `count`-th "reloaded" log line.
  private func waitForReload(_ relay: SplicerProcess, count: Int) -> Bool {
    waitUntil(20) { relay.allLines().filter { $0.contains("\"message\":\"reloaded\"") }.count >= count } != nil
  }

  /// Reproduces the outage: raising the limit by reload while a client waits at the old one.
  /// Nothing closes in between, so only the reload itself can resume the listener.
  func testRaisingTheLimitByReloadServesTheWaitingClientAndNewOnes() throws {
    let backend = try TestBackend(behavior: .pong)
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: config(limit: 1, backend: backend))
    defer { relay.stop() }
    let port = relay.port()
    let (holder, waiting) = try holdTheOnlySlot(relay, port: port)
    defer { close(holder) }
    try relay.rewriteConfig(config(limit: 10, backend: backend))
    relay.send(SIGHUP)
    XCTAssertTrue(waitForReload(relay, count: 1), relay.allLines().joined(separator: "\n"))
    let reply = TestSockets.readToEnd(waiting, timeoutSeconds: 20)
    close(waiting)
    XCTAssertEqual(reply.bytes, Array("+PONG\r\n".utf8), "the client waiting at the old limit was not served")
    let newcomer = try TestSockets.connect(port: port)
    XCTAssertTrue(ping(newcomer), "a new client was not served after the reload")
    close(newcomer)
  }

  /// A rename on the same address hands the listener's count to the new name: the client
  /// holding the only slot still counts (the renamed listener does not take a second client
  /// beside it), and its close wakes the renamed listener for the one waiting.
  func testRenamingAListenerKeepsItsCountAndItsWaitingClient() throws {
    let backend = try TestBackend(behavior: .pong)
    defer { backend.stop() }
    let (relay, port) = try SplicerProcess.onFixedPort {
      config(bind: "127.0.0.1:\($0)", limit: 1, backend: backend)
    }
    defer { relay.stop() }
    let (holder, waiting) = try holdTheOnlySlot(relay, port: port)
    try relay.rewriteConfig(config(name: "renamed", bind: "127.0.0.1:\(port)", limit: 1, backend: backend))
    relay.send(SIGHUP)
    XCTAssertNotNil(
      relay.waitForLine(containing: "\"message\":\"reloaded\"", and: "renamed [\\\"test->renamed\\\"]"),
      relay.allLines().joined(separator: "\n"))
    // The renamed listener is at its limit through the client it inherited.
    XCTAssertEqual(backend.accepted, 1, "the renamed listener took a second client beside the one at its limit")
    close(holder)
    let reply = TestSockets.readToEnd(waiting, timeoutSeconds: 20)
    close(waiting)
    XCTAssertEqual(reply.bytes, Array("+PONG\r\n".utf8), "the waiting client was not served after the holder closed")
    let newcomer = try TestSockets.connect(port: port)
    XCTAssertTrue(ping(newcomer), "a new client was not served by the renamed listener")
    close(newcomer)
    relay.waitForClosedConnections(3)
    XCTAssertEqual(backend.accepted, 3)
  }
}
