import Foundation
import Glibc
import SplicerProtocol
import SplicerSystem
import SplicerTestSupport
import XCTest

/// Routes, access rules and the PROXY protocol on a real relay, with real TLS clients and
/// servers (openssl, curl) and a real PROXY-protocol backend (nginx).
final class RoutingTests: RelayTestCase {
  private func temporaryDirectory() throws -> URL {
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

  /// `send_proxy` v1 and v2 to nginx, which reports the client address it was given; and
  /// `accept_proxy` from a trusted peer, whose address travels on to the next PROXY hop.
  func testPROXYProtocolCarriesTheRealClientAddressToNginx() throws {
    let directory = try temporaryDirectory()
    let nginx = try HelperServers.nginxShowingProxyAddress(in: directory)
    defer { nginx.process.terminate() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners:
          - { name: v1, bind: 127.0.0.1:0, pool: nginx_v1 }
          - { name: v2, bind: 127.0.0.1:0, pool: nginx_v2 }
          - name: chain
            bind: 127.0.0.1:0
            accept_proxy: { trusted: ["127.0.0.0/8"], timeout: 2s }
            routes: [{ source: ["198.51.100.0/24"], pool: nginx_v2 }]
          - name: picky
            bind: 127.0.0.1:0
            accept_proxy: { trusted: ["10.0.0.0/8"] }
            pool: nginx_v2
        pools:
          nginx_v1: { send_proxy: v1, servers: [{ address: "127.0.0.1:\(nginx.port)" }] }
          nginx_v2: { send_proxy: v2, servers: [{ address: "127.0.0.1:\(nginx.port)" }] }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """, listeners: ["v1", "v2", "chain", "picky"])
    defer { relay.stop() }
    func answer(_ fd: Int32) -> String {
      let (bytes, _) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
      close(fd)
      return String(decoding: bytes, as: UTF8.self)
    }
    for (listener, source) in [("v1", "127.0.0.5"), ("v2", "127.0.0.6")] {
      let (fd, clientPort) = try TestSockets.connect(port: relay.port(listener), from: source)
      XCTAssertEqual(answer(fd), "\(source) \(clientPort)\n", "nginx behind send_proxy \(listener)")
    }
    // A load balancer in front says the client is 198.51.100.7:40000: the source route
    // matches that address, and nginx sees it too.
    let chained = try TestSockets.connect(port: relay.port("chain"))
    XCTAssertTrue(TestSockets.writeAll(chained, Array("PROXY TCP4 198.51.100.7 127.0.0.1 40000 443\r\n".utf8)))
    XCTAssertEqual(answer(chained), "198.51.100.7 40000\n")
    // The same in binary (v2), from an IPv6 client this time.
    let chainedV2 = try TestSockets.connect(port: relay.port("chain"))
    let v2 = ProxyHeaderEncoder.v2(
      source: SocketAddress(ip: "2001:db8::7", port: 40001)!, destination: SocketAddress(ip: "2001:db8::1", port: 443)!)
    XCTAssertTrue(TestSockets.writeAll(chainedV2, v2))
    // Not in the 198.51.100.0/24 source route, and the listener has no default pool.
    XCTAssertEqual(answer(chainedV2), "")
    // Broken headers close only their own connection.
    for bad in [
      "PROXY TCP4 198.51.100.7 nonsense 1 2\r\n", "GET / HTTP/1.1\r\n\r\n", String(repeating: "P", count: 300),
    ] {
      let fd = try TestSockets.connect(port: relay.port("chain"))
      _ = TestSockets.writeAll(fd, Array(bad.utf8))
      XCTAssertEqual(answer(fd), "", "no answer after a malformed header")
    }
    let untrusted = try TestSockets.connect(port: relay.port("picky"))
    _ = TestSockets.writeAll(untrusted, Array("PROXY TCP4 10.1.1.1 127.0.0.1 1 2\r\n".utf8))
    XCTAssertEqual(answer(untrusted), "")
    relay.waitForClosedConnections(8)
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"chain\",reason=\"no_route\"}"), 1)
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"chain\",reason=\"proxy_header_invalid\"}"), 3
    )
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"picky\",reason=\"proxy_untrusted\"}"), 1)
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_proxy_headers_total{listener=\"chain\"}"), 2)
    XCTAssertTrue(
      relay.allLines().contains { $0.contains("\"client\":\"[2001:db8::7]:40001\"") && $0.contains("no_route") },
      "the access log names the client the PROXY header gave")
  }

  /// A relay whose only server takes one connection at a time, with the given pool queue.
  private func relayWithOneSlot(for backend: TestBackend, workers: Int, queue: String) throws -> SplicerProcess {
    try SplicerProcess(
      yaml: """
        workers: \(workers)
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: limited }]
        pools:
          limited:
            queue: \(queue)
            servers: [{ address: "127.0.0.1:\(backend.port)", max_connections: 1 }]
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
  }

  /// A server at `max_connections` queues the next client until a slot frees; beyond the
  /// queue's size clients are closed at once, and a queued client gives up at the timeout.
  func testServerLimitQueuesClientsUntilASlotFrees() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try relayWithOneSlot(for: backend, workers: 2, queue: "{ size: 1, timeout: 10s }")
    defer { relay.stop() }
    let admin = relay.port("admin")
    func waitFor(_ series: String, _ value: Double) -> Bool {
      waitUntil(30) {
        HTTPGet.sample((try? HTTPGet.get(port: admin, path: "/metrics").body) ?? "", series) == value
      } != nil
    }
    // The first client holds the only slot: it sends its header but not its EOF.
    let first = try TestSockets.connect(port: relay.port())
    XCTAssertTrue(TestSockets.writeAll(first, TestBackend.header(responseLength: 1_000, seed: 1)))
    XCTAssertTrue(
      waitFor("splicer_server_connections_active{pool=\"limited\",server=\"127.0.0.1:\(backend.port)\"}", 1))
    let queued = try connectClients(
      [TransferSpec(requestLength: 5_000, responseLength: 6_000, seed: 2)], port: relay.port())
    XCTAssertTrue(waitFor("splicer_queued_connections_total{listener=\"test\"}", 1))
    // The queue holds one: a third client is refused at once.
    let third = try TestSockets.connect(port: relay.port())
    XCTAssertEqual(TestSockets.readToEnd(third, timeoutSeconds: 30).bytes.count, 0)
    close(third)
    XCTAssertEqual(backend.accepted, 1, "a server at max_connections got another connection")
    // The first client finishes; its slot goes to the queued one.
    shutdown(first, Int32(SHUT_WR))
    XCTAssertEqual(TestSockets.readToEnd(first, timeoutSeconds: 30).bytes.count, 1_000)
    close(first)
    XCTAssertTrue(PollDriver.run(queued, timeoutSeconds: 20))
    assertResults([TransferSpec(requestLength: 5_000, responseLength: 6_000, seed: 2)], queued, backend: backend)
    relay.waitForClosedConnections(3)
    XCTAssertEqual(closeReasons(relay).sorted(), ["completed", "completed", "queue_full"])
  }

  func testQueuedClientGivesUpAtTheQueueTimeout() throws {
    let backend = try TestBackend(behavior: .holdOpen)
    defer { backend.stop() }
    let relay = try relayWithOneSlot(for: backend, workers: 1, queue: "{ size: 10, timeout: 300ms }")
    defer { relay.stop() }
    let holder = try TestSockets.connect(port: relay.port())
    defer { close(holder) }
    XCTAssertNotNil(waitUntil(30) { backend.accepted == 1 })
    let waiting = try TestSockets.connect(port: relay.port())
    XCTAssertEqual(TestSockets.readToEnd(waiting, timeoutSeconds: 30).bytes.count, 0)
    close(waiting)
    // Closed by the queue timeout (the reason below). That it fires at its time, not before,
    // is WorkerQueueTests' (SplicerCoreTests), on a clock the test moves.
    relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["queue_timeout"])
    // The held connection ends on both sides, so stopping the relay need not wait out a drain.
    backend.stop()
  }

  /// At the listener's `max_connections` the relay stops accepting: the next client waits in
  /// the kernel's backlog (its connect succeeds, nothing is dropped) and is served once a
  /// slot frees.
  func testListenerLimitLeavesClientsInTheBacklogUntilASlotFrees() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, max_connections: 1 }]
        pools:
          backends: { servers: [{ address: "127.0.0.1:\(backend.port)" }] }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    let first = try TestSockets.connect(port: relay.port())
    XCTAssertTrue(TestSockets.writeAll(first, TestBackend.header(responseLength: 10, seed: 1)))
    XCTAssertNotNil(waitUntil(30) { backend.accepted == 1 })
    let spec = TransferSpec(requestLength: 20_000, responseLength: 30_000, seed: 2)
    let second = try connectClients([spec], port: relay.port())
    let metrics = { (try? HTTPGet.get(port: self.relayAdmin(relay), path: "/metrics").body) ?? "" }
    XCTAssertNotNil(
      waitUntil(30) { (HTTPGet.sample(metrics(), "splicer_listener_limit_pauses_total{listener=\"test\"}") ?? 0) >= 1 })
    XCTAssertEqual(HTTPGet.sample(metrics(), "splicer_connections_accepted_total{listener=\"test\"}"), 1)
    shutdown(first, Int32(SHUT_WR))
    XCTAssertEqual(TestSockets.readToEnd(first, timeoutSeconds: 30).bytes.count, 10)
    close(first)
    XCTAssertTrue(PollDriver.run(second, timeoutSeconds: 20))
    assertResults([spec], second, backend: backend)
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

  private func relayAdmin(_ relay: SplicerProcess) -> UInt16 { relay.port("admin") }
}
