import Glibc
import XCTest

/// What the relay does when servers refuse, vanish, hang or when clients idle or read slowly.
final class RelayFailureTests: RelayTestCase {
  func testRefusedServerIsSkippedForTheNextOne() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let refused = try TestSockets.refusingPort()
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [refused, backend.port], workers: 1, retries: 1))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    // Round robin starts at the refused server for every other connection; each must still land.
    let specs = (0..<6).map { TransferSpec(requestLength: 10_000, responseLength: 20_000, seed: UInt64($0 + 1)) }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    assertDescriptorsReturn(relay, to: baseline, afterClosed: specs.count)
    XCTAssertEqual(Set(closeReasons(relay)), ["completed"])
  }

  func testClientIsClosedPromptlyWhenNoServerAnswers() throws {
    let refusedA = try TestSockets.refusingPort()
    let refusedB = try TestSockets.refusingPort()
    // A connect timeout far longer than the read below: an end of stream within it comes from
    // the refusals, not from waiting out a timeout, however slow the machine is.
    let relay = try SplicerProcess(
      yaml: TestConfig.yaml(servers: [refusedA, refusedB], workers: 1, connectTimeout: "120s"))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    let fd = try TestSockets.connect(port: relay.port())
    defer { close(fd) }
    let (bytes, error) = TestSockets.readToEnd(fd, timeoutSeconds: 60)
    XCTAssertEqual(bytes.count, 0)
    XCTAssertEqual(error, 0, "client should be closed (FIN) at once, not after a timeout")
    assertDescriptorsReturn(relay, to: baseline, afterClosed: 1)
    XCTAssertEqual(closeReasons(relay), ["connect_failed"])
  }

  func testConnectTimeoutMovesOnToTheNextServer() throws {
    let blackhole = try Blackhole()
    try XCTSkipUnless(blackhole.swallowsConnects(), "this kernel answers SYNs to a full backlog")
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: TestConfig.yaml(
        servers: [blackhole.port, backend.port], workers: 1, connectTimeout: "300ms", admin: true))
    defer { relay.stop() }
    let specs = (0..<2).map { TransferSpec(requestLength: 1_000, responseLength: 1_000, seed: UInt64($0 + 1)) }
    try assertTransfers(specs, port: relay.port(), backend: backend, timeoutSeconds: 60)
    // One of the two starts at the black hole and waits out one connect timeout, then both
    // complete on the next server (the only other one). That the timeout fires at its time,
    // not before, is WorkerTimeoutTests' (SplicerCoreTests), on a clock the test moves.
    XCTAssertEqual(relay.waitForClosedConnections(2).count, 2)
    XCTAssertEqual(closeReasons(relay), ["completed", "completed"])
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"connection closed\"", and: "\"connect_ms\""))
    let metrics = (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
    XCTAssertGreaterThanOrEqual(
      HTTPGet.sample(
        metrics,
        "splicer_server_connect_failures_total{pool=\"backends\",server=\"127.0.0.1:\(blackhole.port)\",reason=\"timeout\"}"
      ) ?? 0, 1, "no connect to the black hole timed out")
  }

  func testOnlyServerHangingClosesTheClientAfterTheConnectTimeout() throws {
    let blackhole = try Blackhole()
    try XCTSkipUnless(blackhole.swallowsConnects(), "this kernel answers SYNs to a full backlog")
    let relay = try SplicerProcess(
      yaml: TestConfig.yaml(
        servers: [blackhole.port], workers: 1, connectTimeout: "250ms", retries: 1, admin: true))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    let fd = try TestSockets.connect(port: relay.port())
    defer { close(fd) }
    _ = TestSockets.readToEnd(fd, timeoutSeconds: 60)
    // Two attempts (retries: 1), each one ended by the timeout: the failures counted below.
    assertDescriptorsReturn(relay, to: baseline, afterClosed: 1)
    XCTAssertEqual(closeReasons(relay), ["connect_failed"])
    let metrics = (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
    XCTAssertEqual(
      HTTPGet.sample(
        metrics,
        "splicer_server_connect_failures_total{pool=\"backends\",server=\"127.0.0.1:\(blackhole.port)\",reason=\"timeout\"}"
      ), 2, "retries + 1 attempts")
  }

  func testServerDyingMidStreamResetsItsClientAndNoOther() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    // The doomed connection: the server resets after half of an 8 MiB reply.
    let doomedFD = try TestSockets.connect(port: relay.port())
    let doomed = StreamConnection(
      fd: doomedFD, outgoing: PatternStream(seed: 99, length: 0),
      prefix: TestBackend.header(responseLength: 8 << 20, seed: 42, flags: TestBackend.flagResetHalfway))
    let healthy = (0..<8).map { TransferSpec(requestLength: 1 << 20, responseLength: 2 << 20, seed: UInt64(200 + $0)) }
    let finished = PollDriver.run([doomed], timeoutSeconds: 60)
    XCTAssertTrue(finished)
    // The client must not see a clean EOF after a truncated reply: it gets fewer bytes and a reset.
    XCTAssertLessThan(doomed.received.byteCount, 8 << 20)
    XCTAssertEqual(doomed.failure, ECONNRESET)
    try assertTransfers(healthy, port: relay.port(), backend: backend)
    assertDescriptorsReturn(relay, to: baseline, afterClosed: 1 + healthy.count)
    XCTAssertTrue(closeReasons(relay).contains("server_reset"))
  }

  /// A server that resets while its client is still sending, before it answered anything:
  /// the client must see a reset, never a clean end of stream. (A write to the reset server
  /// takes the socket's pending error; a read of the same socket right after then looks like
  /// an EOF, and forwarding that as a FIN passed the cut-off reply for a complete one. The
  /// soak caught one in 25,000 connections.)
  func testServerResetWhileTheClientSendsIsNeverAnEndOfStream() throws {
    // The clients write into reset connections: an EPIPE error here, not a SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    let backend = try TestBackend(behavior: .resetAfterReading(256 << 10))
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], workers: 2, retries: 0))
    defer { relay.stop() }
    let count = 40
    let clients = try (0..<count).map { index in
      StreamConnection(
        fd: try TestSockets.connect(port: relay.port()), outgoing: PatternStream(seed: UInt64(index), length: 64 << 20))
    }
    XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 60))
    // A reset shows as a failed read or write; a FIN as `peerClosed` (read returned 0).
    let endsOfStream = clients.filter(\.peerClosed).count
    XCTAssertEqual(endsOfStream, 0, "\(endsOfStream) of \(count) clients read a clean EOF from a server that reset")
    // A client sees its reset before the relay logs the close: wait for every line.
    XCTAssertEqual(relay.waitForClosedConnections(count).count, count)
    XCTAssertEqual(Set(closeReasons(relay)), ["server_reset"])
  }

  func testIdleConnectionIsClosedAfterTheIdleTimeout() throws {
    let backend = try TestBackend(behavior: .holdOpen)
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], workers: 1, idleTimeout: "400ms"))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    let fd = try TestSockets.connect(port: relay.port())
    defer { close(fd) }
    let (bytes, error) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
    XCTAssertEqual(bytes.count, 0)
    XCTAssertEqual(error, ECONNRESET, "a connection the relay cuts ends in a reset, not a FIN")
    // The reset comes from the idle timeout (the reason below). That it fires at its time,
    // not before, is WorkerTimeoutTests' (SplicerCoreTests), on a clock the test moves.
    assertDescriptorsReturn(relay, to: baseline, afterClosed: 1)
    XCTAssertEqual(closeReasons(relay), ["idle_timeout"])
  }

  /// A client reads a 128 MiB reply slowly: the relay must stop reading the server
  /// (backpressure) instead of buffering, so the server can get no further ahead of the client
  /// than the kernel's socket buffers and one pipe or copy buffer allow.
  private func assertSlowReaderKeepsMemoryFlat(mode: String) throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], mode: mode, workers: 1))
    defer { relay.stop() }
    let fd = try TestSockets.connect(port: relay.port(), nonblocking: false)
    defer { close(fd) }
    let header = TestBackend.header(responseLength: 128 << 20, seed: 5)
    _ = header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var buffer = [UInt8](repeating: 0, count: 16_384)
    var total = 0
    // Let the relay fill every buffer between server and client first.
    while total < 4 << 20 { total += max(0, read(fd, &buffer, buffer.count)) }
    let before = relay.residentKiB()
    var peak = before
    for _ in 0..<100 {
      // The slow reader: 16 KiB every 10 ms (a pace, not a synchronisation), against a server
      // that could send GiB/s. A relay without backpressure would read the whole reply meanwhile.
      total += max(0, read(fd, &buffer, buffer.count))
      usleep(10_000)
      peak = max(peak, relay.residentKiB())
    }
    // What the server got ahead of the client sits in the kernel: the server's send buffer,
    // the relay's receive and send buffers, the client's receive buffer (each at most a few
    // MiB with tcp_wmem/tcp_rmem's defaults) and one 1 MiB pipe or 64 KiB buffer. A relay
    // that kept reading would let the server send all 128 MiB.
    let ahead = backend.sent(seed: 5) - total
    print("slow reader (\(mode)): server ahead of the client by \(ahead >> 10) KiB; relay RSS \(before) -> \(peak) KiB")
    XCTAssertLessThan(ahead, 48 << 20, "the server got \(ahead >> 20) MiB ahead of a slow client: no backpressure")
  }

  func testSlowReaderKeepsRelayMemoryFlatSplice() throws {
    try assertSlowReaderKeepsMemoryFlat(mode: "splice")
  }

  func testSlowReaderKeepsRelayMemoryFlatCopy() throws {
    try assertSlowReaderKeepsMemoryFlat(mode: "copy")
  }

  func testDescriptorExhaustionPausesAcceptingInsteadOfSpinning() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    // 40 descriptors: a few for the process, two per relayed connection; the rest must wait.
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], workers: 1), fdLimit: 40)
    defer { relay.stop() }
    var clients: [Int32] = []
    defer { for fd in clients { close(fd) } }
    for _ in 0..<40 { clients.append(try TestSockets.connect(port: relay.port())) }
    XCTAssertNotNil(relay.waitForLine(containing: "accept paused", and: "EMFILE"), "no back-off logged")
    // Clients stay queued in the backlog while the relay is out of descriptors. Paused, it
    // tries accepting again after each back-off, logging `accept paused` each time (the log,
    // since a scrape needs a descriptor the relay does not have). That it retries once per
    // back-off and never sooner is WorkerDescriptorBackoffTests' (SplicerCoreTests), on a
    // clock the test moves.
    let backoffs = { relay.allLines().filter { $0.contains("accept paused") }.count }
    let backoffsBefore = backoffs()
    XCTAssertNotNil(waitUntil(30) { backoffs() >= backoffsBefore + 5 }, "the relay stopped retrying its accepts")
    // Once the clients leave, descriptors free up and a new client is served in full.
    for fd in clients { close(fd) }
    clients.removeAll()
    try assertTransfers(
      [TransferSpec(requestLength: 100_000, responseLength: 100_000, seed: 1)], port: relay.port(), backend: backend,
      timeoutSeconds: 60)
  }
}
