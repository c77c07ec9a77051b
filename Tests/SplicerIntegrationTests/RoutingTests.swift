import Foundation
import Glibc
import SplicerProtocol
import SplicerSystem
import SplicerTestSupport
import XCTest

/// Routes, access rules and the PROXY protocol on a real relay, with real TLS clients and
/// servers (openssl, curl) and a real PROXY-protocol backend (nginx).
final class RoutingTests: RelayTestCase {
  func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "splicer-routing-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
    return directory
  }

  /// TLS passthrough by SNI: curl verifies each name against the certificate of the backend
  /// that holds it, so a wrong route fails the handshake; clients without a (known) name take
  /// the default route.
  func testSNIRoutesTLSClientsToTheBackendOfTheirNameWithPassthrough() throws {
    guard let curl = ExternalProcess.find("curl"), let openssl = ExternalProcess.find("openssl") else {
      throw XCTSkip("curl or openssl is not installed")
    }
    let directory = try temporaryDirectory()
    let api = try HelperServers.tlsServer(for: "api.example.test", in: directory)
    defer { api.process.terminate() }
    let wild = try HelperServers.tlsServer(for: "eu.shop.example.test", in: directory)
    defer { wild.process.terminate() }
    let web = try HelperServers.tlsServer(for: "www.example.test", in: directory)
    defer { web.process.terminate() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners:
          - name: test
            bind: 127.0.0.1:0
            inspect: { timeout: 2s }
            routes:
              - sni: ["api.example.test"]
                pool: api
              - sni: ["*.shop.example.test"]
                pool: shop
            pool: web
        pools:
          api: { servers: [{ address: "127.0.0.1:\(api.port)" }] }
          shop: { servers: [{ address: "127.0.0.1:\(wild.port)" }] }
          web: { servers: [{ address: "127.0.0.1:\(web.port)" }] }
        log: { level: info, format: json, access_log: true }
        """)
    defer { relay.stop() }
    let port = relay.port()
    for name in ["api.example.test", "eu.shop.example.test", "www.example.test"] {
      let (status, output) = try ExternalProcess.run(
        curl,
        [
          "-sS", "--fail", "--max-time", "10", "--resolve", "\(name):\(port):127.0.0.1", "--cacert",
          directory.appendingPathComponent("\(name).crt").path, "https://\(name):\(port)/",
        ])
      XCTAssertEqual(status, 0, "curl \(name) through the SNI listener")
      XCTAssertTrue(String(decoding: output, as: UTF8.self).contains("s_server"), "status page of openssl s_server")
    }
    // No server name, and an unknown one: the default pool's certificate answers.
    for arguments in [["-noservername"], ["-servername", "unknown.example.test"]] {
      let (_, output) = try ExternalProcess.run(
        "/bin/sh",
        ["-c", "\(openssl) s_client -connect 127.0.0.1:\(port) \(arguments.joined(separator: " ")) </dev/null 2>&1"])
      XCTAssertTrue(
        String(decoding: output, as: UTF8.self).contains("CN=www.example.test")
          || String(decoding: output, as: UTF8.self).contains("CN = www.example.test"),
        "openssl s_client \(arguments) should reach the default pool: \(String(decoding: output, as: UTF8.self))")
    }
    let lines = relay.waitForClosedConnections(5)
    XCTAssertTrue(lines.contains { $0.contains("\"sni\":\"api.example.test\"") && $0.contains("\"pool\":\"api\"") })
    XCTAssertTrue(
      lines.contains { $0.contains("\"sni\":\"eu.shop.example.test\"") && $0.contains("\"pool\":\"shop\"") })
    XCTAssertTrue(lines.contains { $0.contains("\"sni\":\"unknown.example.test\"") && $0.contains("\"pool\":\"web\"") })
  }

  /// Clients that send something other than a ClientHello, or nothing: the default route, or
  /// a prompt close, as `inspect.on_failure` says; never a stalled worker.
  func testClientsWithoutAClientHelloTakeTheDefaultRouteOrAreClosed() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners:
          - name: test
            bind: 127.0.0.1:0
            inspect: { timeout: 300ms, on_failure: default }
            routes: [{ sni: ["tls.example.test"], pool: unused }]
            pool: plain
          - name: strict
            bind: 127.0.0.1:0
            inspect: { timeout: 300ms, on_failure: close }
            routes: [{ sni: ["tls.example.test"], pool: unused }]
        pools:
          plain: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
          unused: { servers: [{ address: "127.0.0.1:\(try TestSockets.refusingPort())" }] }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """, listeners: ["test", "strict"])
    defer { relay.stop() }
    // Not TLS: the test protocol's binary header. It reaches the default pool intact, since
    // inspection only peeks.
    let specs = (1...4).map { TransferSpec(requestLength: 100_000, responseLength: 200_000, seed: UInt64($0)) }
    try assertTransfers(specs, port: relay.port(), backend: backend)

    // Plain HTTP on the strict listener: refused on its first bytes, counted as not TLS (not
    // as a timeout: the counts below tell the two closes apart, however slow the machine).
    let http = try TestSockets.connect(port: relay.port("strict"))
    XCTAssertTrue(TestSockets.writeAll(http, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
    _ = TestSockets.readToEnd(http, timeoutSeconds: 30)
    close(http)
    // Silent client: closed by the inspect timeout.
    let silent = try TestSockets.connect(port: relay.port("strict"))
    _ = TestSockets.readToEnd(silent, timeoutSeconds: 30)
    close(silent)
    relay.waitForClosedConnections(specs.count + 2)
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_inspections_total{listener=\"test\",result=\"not_tls\"}"), 4)
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_inspections_total{listener=\"strict\",result=\"not_tls\"}"), 1)
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_inspections_total{listener=\"strict\",result=\"timeout\"}"), 1)
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"strict\",reason=\"inspect_failed\"}"), 1)
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"strict\",reason=\"inspect_timeout\"}"), 1)
  }

  /// A ClientHello that trickles in a few bytes per write is still routed by its name (the
  /// relay waits for the whole record instead of re-reading it on every byte).
  func testClientHelloArrivingInPiecesIsRoutedByItsName() throws {
    let tls = try TestBackend(behavior: .pong)
    defer { tls.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners:
          - name: test
            bind: 127.0.0.1:0
            inspect: { timeout: 5s, on_failure: close }
            routes: [{ sni: ["slow.example.test"], pool: tls }]
        pools:
          tls: { servers: [{ address: "127.0.0.1:\(tls.port)" }] }
        log: { level: info, format: json, access_log: true }
        """)
    defer { relay.stop() }
    let hello = ClientHelloBuilder.clientHello(serverName: "Slow.Example.Test")
    let fd = try TestSockets.connect(port: relay.port())
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    for start in stride(from: 0, to: hello.count, by: 3) {
      XCTAssertTrue(TestSockets.writeAll(fd, Array(hello[start..<min(start + 3, hello.count)])))
    }
    let (answer, _) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
    close(fd)
    XCTAssertEqual(String(decoding: answer, as: UTF8.self), "+PONG\r\n")
    let line = relay.waitForClosedConnections(1).first ?? ""
    XCTAssertTrue(line.contains("\"sni\":\"slow.example.test\""), line)
  }

  /// `deny` wins over `allow`; a `source` route sends its clients to their own pool.
  func testAccessRulesAndSourceRoutesByClientAddress() throws {
    let main = try TestBackend()
    defer { main.stop() }
    let office = try TestBackend()
    defer { office.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners:
          - name: test
            bind: 127.0.0.1:0
            allow: ["127.0.0.0/8"]
            deny: ["127.0.0.2/32"]
            routes: [{ source: ["127.0.0.3/32", "10.0.0.0/8"], pool: office }]
            pool: main
        pools:
          main: { servers: [{ address: "127.0.0.1:\(main.port)" }] }
          office: { servers: [{ address: "127.0.0.1:\(office.port)" }] }
        tuning: { pipe_pool: 0 }
        log: { level: info, format: json, access_log: true }
        """)
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    func transfer(from source: String, seed: UInt64) throws -> StreamConnection {
      let (fd, _) = try TestSockets.connect(port: relay.port(), from: source)
      return StreamConnection(
        fd: fd, outgoing: PatternStream(seed: seed &* 2 &+ 1, length: 50_000),
        prefix: TestBackend.header(responseLength: 70_000, seed: seed))
    }
    let clients = [try transfer(from: "127.0.0.1", seed: 1), try transfer(from: "127.0.0.3", seed: 2)]
    XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 30))
    let specs = [TransferSpec(requestLength: 50_000, responseLength: 70_000, seed: 1)]
    assertResults(specs, [clients[0]], backend: main)
    assertResults([TransferSpec(requestLength: 50_000, responseLength: 70_000, seed: 2)], [clients[1]], backend: office)

    let (denied, _) = try TestSockets.connect(port: relay.port(), from: "127.0.0.2")
    let (bytes, error) = TestSockets.readToEnd(denied, timeoutSeconds: 30)
    close(denied)
    XCTAssertEqual(bytes.count, 0)
    XCTAssertEqual(error, ECONNRESET, "a denied client is reset")
    assertDescriptorsReturn(relay, to: baseline, afterClosed: 3)
    XCTAssertEqual(closeReasons(relay).sorted(), ["completed", "completed", "denied"])
    XCTAssertEqual(main.accepted + office.accepted, 2, "the denied client never reached a server")
  }

  /// Servers named by host name (resolved off the event loop) and by unix socket path.
  func testHostNameAndUnixSocketServers() throws {
    let answer = try? ExternalProcess.run("/usr/bin/getent", ["ahosts", "localhost"])
    guard let first = answer.map({ String(decoding: $0.output, as: UTF8.self) })?.split(separator: " ").first,
      first == "127.0.0.1"
    else {
      throw XCTSkip("localhost does not resolve to 127.0.0.1 first here")
    }
    guard let socat = ExternalProcess.find("socat") else { throw XCTSkip("socat is not installed") }
    let backend = try TestBackend()
    defer { backend.stop() }
    let directory = try temporaryDirectory()
    let socketPath = directory.appendingPathComponent("echo.sock").path
    let echo = try ExternalProcess(socat, ["UNIX-LISTEN:\(socketPath),fork", "EXEC:/bin/cat"])
    defer { echo.terminate() }
    XCTAssertNotNil(waitUntil(30) { FileManager.default.fileExists(atPath: socketPath) })
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners:
          - { name: test, bind: 127.0.0.1:0, pool: named }
          - { name: unix, bind: 127.0.0.1:0, pool: local }
        pools:
          named: { servers: [{ address: "localhost:\(backend.port)" }], resolve_interval: 1s }
          local: { servers: [{ address: "unix:\(socketPath)" }] }
        log: { level: info, format: json, access_log: true }
        """, listeners: ["test", "unix"])
    defer { relay.stop() }
    let specs = (1...3).map { TransferSpec(requestLength: 30_000, responseLength: 40_000, seed: UInt64($0)) }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    let fd = try TestSockets.connect(port: relay.port("unix"))
    let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    XCTAssertTrue(TestSockets.writeAll(fd, payload))
    shutdown(fd, Int32(SHUT_WR))
    let (echoed, error) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
    close(fd)
    XCTAssertEqual(error, 0)
    XCTAssertTrue(echoed == payload, "unix socket server echoed \(echoed.count) of \(payload.count) bytes")
    let lines = relay.waitForClosedConnections(4)
    XCTAssertTrue(lines.contains { $0.contains("\"server\":\"unix:\(socketPath)\"") })
    XCTAssertTrue(lines.contains { $0.contains("\"server\":\"localhost:\(backend.port)\"") })
  }

}
