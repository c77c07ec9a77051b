import Glibc
import XCTest

/// Byte-exact relaying through a real `splicer` process on loopback, both transports.
final class RelayTransferTests: RelayTestCase {
  private func runSizes(mode: String) throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], mode: mode))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    let sizes = [0, 1, 1_000, 65_535, 65_536, 1_048_583, 16_777_216]
    var specs: [TransferSpec] = []
    for (index, size) in sizes.enumerated() {
      // Each size both ways at once, and paired with a different size the other way.
      specs.append(TransferSpec(requestLength: size, responseLength: size, seed: UInt64(index + 1)))
      specs.append(
        TransferSpec(requestLength: size, responseLength: sizes[sizes.count - 1 - index], seed: UInt64(index + 100)))
    }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    assertDescriptorsReturn(relay, to: baseline, afterClosed: specs.count)
    XCTAssertEqual(Set(closeReasons(relay)), ["completed"])
  }

  func testSizesFromZeroBytesToSixteenMebibytesBothWaysSplice() throws {
    try runSizes(mode: "splice")
  }

  func testSizesFromZeroBytesToSixteenMebibytesBothWaysCopy() throws {
    try runSizes(mode: "copy")
  }

  func testTwoHundredFiftySixMebibytesBothWaysAtOnce() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    let size = 256 << 20
    try assertTransfers(
      [TransferSpec(requestLength: size, responseLength: size, seed: 7)], port: relay.port(), backend: backend)
    assertDescriptorsReturn(relay, to: baseline, afterClosed: 1)
  }

  func testOneHundredTwentyEightConcurrentConnectionsWithRandomSizes() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    let baseline = relay.openDescriptors()
    var generator = SystemRandomNumberGenerator()
    let specs = (0..<128).map { index in
      TransferSpec(
        requestLength: Int.random(in: 0...(2 << 20), using: &generator),
        responseLength: Int.random(in: 0...(2 << 20), using: &generator), seed: UInt64(1_000 + index))
    }
    try assertTransfers(specs, port: relay.port(), backend: backend)
    assertDescriptorsReturn(relay, to: baseline, afterClosed: specs.count)
  }

  func testClientHalfCloseStillReceivesTheWholeReply() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    // The backend answers only after it has read the client's EOF, which the relay must
    // forward without closing the reply direction.
    let specs = [
      TransferSpec(requestLength: 5_000, responseLength: 8 << 20, seed: 1, flags: TestBackend.flagSendAfterEOF),
      TransferSpec(requestLength: 0, responseLength: 100_000, seed: 2, flags: TestBackend.flagSendAfterEOF),
      TransferSpec(requestLength: 3 << 20, responseLength: 1, seed: 3, flags: TestBackend.flagSendAfterEOF),
    ]
    try assertTransfers(specs, port: relay.port(), backend: backend)
  }

  func testServerHalfCloseStillReceivesTheWholeRequest() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    // The backend replies and shuts down its side first; the client sends only after it has
    // seen that EOF, so every request byte crosses a connection the server half-closed.
    let specs = [
      TransferSpec(requestLength: 8 << 20, responseLength: 1_000, seed: 1, clientSendsAfterReply: true),
      TransferSpec(requestLength: 1, responseLength: 0, seed: 2, clientSendsAfterReply: true),
    ]
    try assertTransfers(specs, port: relay.port(), backend: backend)
  }

  /// A server that speaks first (SMTP, SSH) to clients that wait for it: its greeting often
  /// arrives in the same readiness report that completes the connect, and must not wait for
  /// the idle timeout. Stopping the relay while the clients connect makes it start many
  /// connects in one batch, so the backend answers before the relay looks again.
  func testGreetingOfAServerThatSpeaksFirstArrivesAtOnce() throws {
    let greeting = Array("220 ready\r\n".utf8)
    let backend = try TestBackend(behavior: .greeting(String(decoding: greeting, as: UTF8.self)))
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], workers: 1, idleTimeout: "120s"))
    defer { relay.stop() }
    relay.send(SIGSTOP)
    var clients: [Int32] = []
    defer { for fd in clients { close(fd) } }
    for _ in 0..<100 { clients.append(try TestSockets.connect(port: relay.port())) }
    relay.send(SIGCONT)
    var received = [[UInt8]](repeating: [], count: clients.count)
    var scratch = [UInt8](repeating: 0, count: 64)
    // Each round blocks in poll(2) for at most 100 ms: no sleep between rounds.
    waitUntil(10, every: 0) {
      guard received.contains(where: { $0.count < greeting.count }) else { return true }
      var fds = clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      _ = poll(&fds, nfds_t(fds.count), 100)
      for (index, entry) in fds.enumerated() where entry.revents != 0 {
        let count = read(entry.fd, &scratch, scratch.count)
        if count > 0 { received[index] += scratch[0..<count] }
      }
      return false
    }
    let waiting = received.filter { $0 != greeting }.count
    XCTAssertEqual(waiting, 0, "\(waiting) of \(clients.count) clients never got the server's greeting")
    // Both ends close, so the relay's sessions complete instead of waiting out its drain.
    backend.stop()
  }
}
