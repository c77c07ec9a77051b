import Glibc
import XCTest

/// `max_lifetime` through the real binary: a transfer that would go on for far longer is cut
/// at the listener's age limit with a reset (never a FIN that would pass for the end of the
/// reply), and the close reason reaches the access log and /metrics. That the cut comes at
/// exactly that age is `WorkerLifetimeTests`' (SplicerCoreTests), on a clock the test moves.
final class MaxLifetimeTests: RelayTestCase {
  override func setUp() {
    super.setUp()
    // A client reading from a connection the relay reset must see the reset, not SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
  }

  func testLongTransferIsCutWithAResetAtTheMaximumLifetime() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners:
          - { name: test, bind: "127.0.0.1:0", pool: app, max_lifetime: 1s }
        pools:
          app:
            servers: [{ address: "127.0.0.1:\(backend.port)" }]
        timeouts: { connect: 2s, idle: 10m }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """, listeners: ["test"])
    defer { relay.stop() }
    // A reply of 1 TiB: no machine relays that within the test's patience.
    let responseLength = 1 << 40
    let client = StreamConnection(
      fd: try TestSockets.connect(port: relay.port()), outgoing: PatternStream(seed: 81, length: 0),
      prefix: TestBackend.header(responseLength: responseLength, seed: 80))
    XCTAssertTrue(PollDriver.run([client], timeoutSeconds: 60), "the transfer was never cut")
    XCTAssertEqual(client.failure, ECONNRESET, "the client must not see a clean end of a cut reply")
    XCTAssertGreaterThan(client.received.byteCount, 0, "nothing flowed before the cut")
    XCTAssertLessThan(client.received.byteCount, responseLength)
    let lines = relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["max_lifetime"], "\(lines)")
    let body = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(
      HTTPGet.sample(body, "splicer_connections_closed_total{listener=\"test\",reason=\"max_lifetime\"}"), 1)
  }
}
