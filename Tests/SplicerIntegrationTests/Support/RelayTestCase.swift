import Glibc
import XCTest

/// One transfer to run through the relay: bytes the client sends, bytes the backend answers.
struct TransferSpec {
  var requestLength: Int
  var responseLength: Int
  var seed: UInt64
  var flags: UInt64 = 0
  /// The client sends only after it has read the backend's whole reply and its EOF.
  var clientSendsAfterReply = false
}

/// Shared helpers: start a relay, run transfers through it, check digests and descriptors.
class RelayTestCase: XCTestCase {
  /// Runs `specs` concurrently through `port` and asserts that every byte arrived intact both
  /// ways (SHA-256 and length), using `backend`'s record of what it received.
  func assertTransfers(
    _ specs: [TransferSpec], port: UInt16, backend: TestBackend, timeoutSeconds: Double = 120,
    host: String = "127.0.0.1", file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let clients = try connectClients(specs, port: port, host: host)
    let finished = PollDriver.run(clients, timeoutSeconds: timeoutSeconds)
    XCTAssertTrue(finished, "transfers did not finish in \(timeoutSeconds) s", file: file, line: line)
    assertResults(specs, clients, backend: backend, file: file, line: line)
  }

  /// One client connection per spec, not yet driven; `maximumIO` bounds each read and write
  /// to make transfers last (e.g. across a reload); `host` is the relay's address.
  func connectClients(
    _ specs: [TransferSpec], port: UInt16, maximumIO: Int? = nil, host: String = "127.0.0.1"
  ) throws -> [StreamConnection] {
    try specs.map { spec in
      let connection = StreamConnection(
        fd: host == "127.0.0.1" ? try TestSockets.connect(port: port) : try TestSockets.connect(host: host, port: port),
        outgoing: PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength),
        prefix: TestBackend.header(responseLength: spec.responseLength, seed: spec.seed, flags: spec.flags))
      connection.sendAfterPeerEOF = spec.clientSendsAfterReply
      if let maximumIO {
        connection.maximumWrite = maximumIO
        connection.maximumRead = maximumIO
      }
      return connection
    }
  }

  /// Every byte of every spec arrived intact both ways (SHA-256 and length).
  func assertResults(
    _ specs: [TransferSpec], _ clients: [StreamConnection], backend: TestBackend, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    for (spec, client) in zip(specs, clients) {
      XCTAssertNil(client.failure, "seed \(spec.seed): client saw errno \(client.failure ?? 0)", file: file, line: line)
      XCTAssertEqual(
        client.received.byteCount, spec.responseLength, "seed \(spec.seed): reply length", file: file, line: line)
      XCTAssertEqual(
        client.receivedDigest, PatternStream(seed: spec.seed, length: spec.responseLength).expectedDigest(),
        "seed \(spec.seed): reply digest", file: file, line: line)
      let received = backend.result(seed: spec.seed)
      XCTAssertEqual(received?.count, spec.requestLength, "seed \(spec.seed): request length", file: file, line: line)
      XCTAssertEqual(
        received?.digest, PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength).expectedDigest(),
        "seed \(spec.seed): request digest", file: file, line: line)
    }
  }

  /// Waits for `count` closed connections in the access log, then asserts that the relay's
  /// descriptor count is back to `baseline` (tests run with pipe_pool 0, so any pipe or
  /// socket still open is a leak).
  func assertDescriptorsReturn(
    _ relay: SplicerProcess, to baseline: Int, afterClosed count: Int, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    let closed = relay.waitForClosedConnections(count)
    XCTAssertGreaterThanOrEqual(closed.count, count, "access log lines", file: file, line: line)
    // Fewer than at the baseline is no leak: the admin endpoint's (SwiftNIO) connection from
    // a scrape can still be open when the baseline is taken and be gone by now.
    _ = waitUntil(30) { relay.openDescriptors() <= baseline }
    XCTAssertLessThanOrEqual(
      relay.openDescriptors(), baseline, "relay descriptors after the test: \(relay.describeDescriptors())",
      file: file, line: line)
  }

  /// The `reason` field of each access-log line.
  func closeReasons(_ relay: SplicerProcess) -> [String] {
    relay.waitForClosedConnections(0, timeoutSeconds: 0).compactMap { line in
      guard let range = line.range(of: "\"reason\":\"") else { return nil }
      return String(line[range.upperBound...].prefix { $0 != "\"" })
    }
  }
}
