import Glibc
import XCTest

/// TCP keepalive (`client_keepalive`, `server_keepalive`) against a peer that vanishes: the
/// `ImpairedLink` is cut while the connection is quiet, so no FIN or reset ever arrives and
/// only the kernel's probes can find the peer gone. The idle timeout is far longer, so the
/// close can only be keepalive's; it carries its own reason, and the other peer is reset.
///
/// The relay sets the client side's options on its listening sockets only; that a client
/// across the link is found gone shows that the accepted socket inherited them.
final class KeepaliveTests: FaultInjectionTestCase {
  /// Probes after 1 s quiet, then every 1 s, two unanswered: about 3 s to find a dead peer.
  private let probes = "{ idle: 1s, interval: 1s, count: 2 }"

  private func keepaliveYAML(server: String, clientKeepalive: Bool, serverKeepalive: Bool) -> String {
    """
    workers: 1
    listeners:
      - name: test
        bind: "127.0.0.1:0"
        pool: app
    \(clientKeepalive ? "    client_keepalive: \(probes)" : "")
    pools:
      app:
        servers:
          - address: "\(server)"
    \(serverKeepalive ? "    server_keepalive: \(probes)" : "")
    timeouts: { connect: 2s, idle: 10m }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  /// The connection was accepted just before the cut, so the kernel gave the peer up no
  /// sooner than idle + interval × count (3 s) after the accept: a lower bound, which load
  /// can only lengthen. Prints the figure for the record (docs/CONFIG.md quotes it).
  private func assertNotBeforeTheProbesRanOut(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) {
    for entry in lines {
      guard let duration = TCPInfoTests.number("duration_ms", in: entry) else {
        XCTFail("no duration_ms in \(entry)", file: file, line: line)
        continue
      }
      print("keepalive close after \(duration) ms (probes: \(probes))")
      XCTAssertGreaterThanOrEqual(duration, 3000, entry, file: file, line: line)
    }
  }

  /// The server's side of the link goes silent: `server_keepalive_timeout`, client reset.
  func testVanishedServerIsFoundByServerKeepalive() throws {
    let link = try makeLink(seed: 21)
    let server = try TestSockets.listen()
    defer { close(server) }
    let address = link.serverAddress(port: try TestSockets.port(of: server))
    let relay = try startRelay(keepaliveYAML(server: address, clientKeepalive: false, serverKeepalive: true))
    defer { relay.stop() }
    let client = try TestSockets.connect(port: relay.port())
    defer { close(client) }
    let accepted = try XCTUnwrap(acceptOne(server), "the relay never connected across the link")
    defer { close(accepted) }
    link.impair(.cut)
    let (bytes, error) = TestSockets.readToEnd(client, timeoutSeconds: 60)
    XCTAssertEqual(bytes.count, 0)
    XCTAssertEqual(error, ECONNRESET, "the client must see a reset, not a clean end")
    let closed = relay.waitForClosedConnections(1)
    assertNotBeforeTheProbesRanOut(closed)
    XCTAssertEqual(reasonCounts(relay), ["server_keepalive_timeout": 1])
    XCTAssertEqual(
      metric(relay, "splicer_connections_closed_total{listener=\"test\",reason=\"server_keepalive_timeout\"}"), 1)
    XCTAssertGreaterThan(link.stats(.toServer).dropped, 0, "no probe crossed the cut link")
  }

  /// The client reaches the relay across the link and goes silent:
  /// `client_keepalive_timeout`, server reset.
  func testVanishedClientIsFoundByClientKeepalive() throws {
    let link = try makeLink(seed: 22)
    let server = try TestSockets.listen()
    defer { close(server) }
    let yaml = keepaliveYAML(
      server: "127.0.0.1:\(try TestSockets.port(of: server))", clientKeepalive: true, serverKeepalive: false)
    let relay = try startRelay(yaml)
    defer { relay.stop() }
    try assertVanishedClientIsFound(link: link, relay: relay, server: server)
  }

  /// A reload that adds `client_keepalive` sets it on the listening sockets it keeps, so the
  /// clients accepted after it get the probes.
  func testClientKeepaliveAddedByAReloadReachesNewClients() throws {
    let link = try makeLink(seed: 23)
    let server = try TestSockets.listen()
    defer { close(server) }
    let address = "127.0.0.1:\(try TestSockets.port(of: server))"
    let relay = try startRelay(keepaliveYAML(server: address, clientKeepalive: false, serverKeepalive: false))
    defer { relay.stop() }
    XCTAssertTrue(try relay.reload(with: keepaliveYAML(server: address, clientKeepalive: true, serverKeepalive: false)))
    try assertVanishedClientIsFound(link: link, relay: relay, server: server)
  }

  /// Connects a client to the relay across `link`, cuts the link once the relay has reached
  /// `server`, and asserts the server gets a reset and the close its keepalive reason.
  private func assertVanishedClientIsFound(link: ImpairedLink, relay: SplicerProcess, server: Int32) throws {
    // The link's far address leads to 127.0.0.1 at the same port: the relay's listener.
    let peer = String(link.serverAddress(port: 0).split(separator: ":")[0])
    let client = try TestSockets.connect(host: peer, port: relay.port())
    defer { close(client) }
    let accepted = try XCTUnwrap(acceptOne(server), "the relay never connected to the server")
    defer { close(accepted) }
    link.impair(.cut)
    let (bytes, error) = TestSockets.readToEnd(accepted, timeoutSeconds: 60)
    XCTAssertEqual(bytes.count, 0)
    XCTAssertEqual(error, ECONNRESET, "the server must see a reset, not a clean end")
    let closed = relay.waitForClosedConnections(1)
    assertNotBeforeTheProbesRanOut(closed)
    XCTAssertEqual(reasonCounts(relay), ["client_keepalive_timeout": 1])
    XCTAssertEqual(
      metric(relay, "splicer_connections_closed_total{listener=\"test\",reason=\"client_keepalive_timeout\"}"), 1)
    XCTAssertGreaterThan(link.stats(.toRelay).dropped, 0, "no probe crossed the cut link")
  }

  override func startRelay(_ yaml: String) throws -> SplicerProcess {
    try SplicerProcess(yaml: yaml, listeners: ["test"])
  }

  /// Accepts one connection on `listener`, waiting up to 30 s for it; nil if none came.
  private func acceptOne(_ listener: Int32) -> Int32? {
    var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
    guard poll(&entry, 1, 30_000) == 1 else { return nil }
    let fd = accept(listener, nil, nil)
    return fd >= 0 ? fd : nil
  }
}
