import Foundation
import Glibc
import XCTest

/// Helpers for balancing tests: connections held open through the relay, each traced to the
/// backend that accepted it, so a test can count what each server got and free a chosen one.
///
/// A held connection sends the request header asking for no reply and then nothing more; the
/// `serve` backend waits for the client's EOF, so the relay keeps the connection, and its
/// server's slot, until `finish` sends that EOF.
class BalancingTestCase: RelayTestCase {
  struct Held {
    let fd: Int32
    /// Index into the backends given to `openHeld`.
    let server: Int
  }

  /// Opens one connection and waits until one of `backends` accepted it.
  func openHeld(port: UInt16, backends: [TestBackend], file: StaticString = #filePath, line: UInt = #line) throws
    -> Held
  {
    let before = backends.map(\.accepted)
    let fd = try TestSockets.connect(port: port)
    XCTAssertTrue(TestSockets.writeAll(fd, TestBackend.header(responseLength: 0, seed: UInt64(fd))))
    var server = -1
    let found = waitUntil(30) {
      let now = backends.map(\.accepted)
      guard let index = now.indices.first(where: { now[$0] > before[$0] }) else { return false }
      server = index
      return true
    }
    XCTAssertNotNil(found, "no backend accepted the held connection", file: file, line: line)
    return Held(fd: fd, server: server)
  }

  /// Ends a held connection cleanly (EOF each way), and waits for its access-log line, the
  /// `closedBefore + 1`th, so that its server's slot is free when this returns.
  func finish(
    _ held: Held, relay: SplicerProcess, closedBefore: Int, file: StaticString = #filePath, line: UInt = #line
  ) {
    shutdown(held.fd, Int32(SHUT_WR))
    let (bytes, error) = TestSockets.readToEnd(held.fd, timeoutSeconds: 30)
    close(held.fd)
    XCTAssertEqual(bytes.count, 0, file: file, line: line)
    XCTAssertEqual(error, 0, "a held connection did not end with a clean EOF", file: file, line: line)
    XCTAssertEqual(
      relay.waitForClosedConnections(closedBefore + 1).count, closedBefore + 1, "access-log line", file: file,
      line: line)
  }

  /// One short connection (a small exchange, ended cleanly); returns once the client saw EOF.
  func shortConnection(
    port: UInt16, from source: String = "127.0.0.1", file: StaticString = #filePath, line: UInt = #line
  )
    throws
  {
    let fd: Int32
    if source == "127.0.0.1" {
      fd = try TestSockets.connect(port: port)
    } else {
      fd = try TestSockets.connect(port: port, from: source).fd
    }
    XCTAssertTrue(TestSockets.writeAll(fd, TestBackend.header(responseLength: 100, seed: UInt64(fd))))
    shutdown(fd, Int32(SHUT_WR))
    let (bytes, error) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
    close(fd)
    XCTAssertEqual(bytes.count, 100, "reply through the relay", file: file, line: line)
    XCTAssertEqual(error, 0, file: file, line: line)
  }

  /// Each backend's `accepted` count.
  func acceptedCounts(_ backends: [TestBackend]) -> [Int] { backends.map(\.accepted) }
}
