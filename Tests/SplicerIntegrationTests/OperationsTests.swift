import Foundation
import Glibc
import XCTest

/// Reload, graceful stop and the systemd notify protocol, on a real relay process.
final class OperationsTests: RelayTestCase {
  /// 100 connections are mid-transfer when the config changes its pool: every one finishes
  /// byte-exact on the server it started with, and new connections go to the new server.
  func testReloadDuringOneHundredTransfersLosesNothing() throws {
    let first = try TestBackend()
    defer { first.stop() }
    let second = try TestBackend()
    defer { second.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [first.port]))
    defer { relay.stop() }
    let specs = (0..<100).map { TransferSpec(requestLength: 2 << 20, responseLength: 2 << 20, seed: UInt64(500 + $0)) }
    // Small writes and reads keep the transfers going long enough to straddle the reload.
    let clients = try connectClients(specs, port: relay.port(), maximumIO: 4_096)
    var reloaded = false
    let finished = PollDriver.run(clients, timeoutSeconds: 120) {
      if !reloaded && clients.allSatisfy({ $0.received.byteCount > 0 }) {
        reloaded = true
        try? relay.rewriteConfig(TestConfig.yaml(servers: [second.port]))
        relay.send(SIGHUP)
      }
    }
    XCTAssertTrue(finished)
    XCTAssertTrue(reloaded, "the reload happened after the transfers ended")
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"reloaded\""))
    // Every transfer finished byte-exact on the server it started with.
    assertResults(specs, clients, backend: first)
    // A client sees its end of stream before the relay logs the close: wait for every line.
    XCTAssertEqual(relay.waitForClosedConnections(specs.count).count, specs.count)
    XCTAssertEqual(Set(closeReasons(relay)), ["completed"])
    // New connections use the new pool.
    try assertTransfers(
      [TransferSpec(requestLength: 10, responseLength: 10, seed: 9_999)], port: relay.port(), backend: second)
  }

  func testBrokenReloadChangesNothingAndSaysWhere() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    try relay.rewriteConfig(
      TestConfig.yaml(servers: [backend.port]).replacingOccurrences(of: "address:", with: "adress:"))
    relay.send(SIGHUP)
    let line = relay.waitForLine(containing: "reload failed")
    XCTAssertNotNil(line)
    XCTAssertTrue(line?.contains("splicer.yaml:") ?? false, "no file:line in \(line ?? "")")
    XCTAssertTrue(line?.contains("did you mean 'address'") ?? false)
    try assertTransfers(
      [TransferSpec(requestLength: 1_000, responseLength: 1_000, seed: 1)], port: relay.port(), backend: backend)
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_config_reloads_total{outcome=\"failure\"}"), 1)
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_config_reloads_total{outcome=\"success\"}"), 0)
  }

  func testReloadAddsAndRemovesListeners() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port]))
    defer { relay.stop() }
    let oldPort = relay.port()
    let renamed = TestConfig.yaml(servers: [backend.port]).replacingOccurrences(of: "name: test", with: "name: other")
    try relay.rewriteConfig(renamed)
    relay.send(SIGHUP)
    let bound = relay.waitForLine(containing: "\"listener\":\"other\"", and: "listener bound")
    XCTAssertNotNil(bound)
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"reloaded\"", and: "removed [\\\"test\\\"]"))
    let newPort = SplicerProcess.port(inLogLine: bound ?? "")
    try assertTransfers(
      [TransferSpec(requestLength: 100, responseLength: 100, seed: 3)], port: newPort, backend: backend)
    XCTAssertThrowsError(try TestSockets.connect(port: oldPort), "the removed listener still accepts")
  }

  /// Renaming a listener (or changing only its backlog) keeps its address: the reload must not
  /// mistake the proxy's own socket for another process on that address.
  func testReloadRenamingAListenerOnAFixedPort() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    func fixed(_ port: UInt16) -> String {
      TestConfig.yaml(servers: [backend.port]).replacingOccurrences(
        of: "bind: 127.0.0.1:0", with: "bind: 127.0.0.1:\(port)")
    }
    let (relay, port) = try SplicerProcess.onFixedPort(fixed)
    defer { relay.stop() }
    try relay.rewriteConfig(fixed(port).replacingOccurrences(of: "name: test", with: "name: renamed"))
    relay.send(SIGHUP)
    XCTAssertNotNil(
      relay.waitForLine(containing: "\"message\":\"reloaded\"", and: "renamed [\\\"test->renamed\\\"]"),
      relay.allLines().joined(separator: "\n"))
    try assertTransfers([TransferSpec(requestLength: 100, responseLength: 100, seed: 4)], port: port, backend: backend)
  }

  /// SIGTERM while transfers run: they complete, new clients are refused, the exit is clean.
  func testGracefulStopLetsRunningTransfersFinish() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [backend.port], admin: true))
    defer { relay.stop() }
    let specs = (0..<20).map { TransferSpec(requestLength: 1 << 20, responseLength: 4 << 20, seed: UInt64(700 + $0)) }
    let clients = try connectClients(specs, port: relay.port(), maximumIO: 4_096)
    var signalled = false
    var refusedDuringDrain = false
    let finished = PollDriver.run(clients, timeoutSeconds: 60) {
      if !signalled && clients.allSatisfy({ $0.received.byteCount > 0 }) {
        signalled = true
        relay.send(SIGTERM)
        if relay.waitForLine(containing: "\"message\":\"draining\"") != nil {
          if let fd = try? TestSockets.connect(port: relay.port()) {
            close(fd)
          } else {
            refusedDuringDrain = true
          }
        }
      }
    }
    XCTAssertTrue(finished)
    XCTAssertTrue(signalled)
    XCTAssertTrue(refusedDuringDrain, "a new client was accepted while draining")
    assertResults(specs, clients, backend: backend)
    XCTAssertEqual(relay.waitForExit(timeoutSeconds: 20), 0)
    // The exit can come before the test has read the last log lines: wait for them.
    XCTAssertGreaterThanOrEqual(relay.waitForClosedConnections(specs.count).count, specs.count)
    XCTAssertEqual(Set(closeReasons(relay)), ["completed"])
  }

  func testDrainTimeoutClosesWhatIsLeft() throws {
    let backend = try TestBackend(behavior: .holdOpen)
    defer { backend.stop() }
    let yaml = TestConfig.yaml(servers: [backend.port]).replacingOccurrences(
      of: "timeouts: { connect: 2s, idle: 60s }", with: "timeouts: { connect: 2s, idle: 60s, drain: 500ms }")
    let relay = try SplicerProcess(yaml: yaml)
    defer { relay.stop() }
    let fd = try TestSockets.connect(port: relay.port())
    defer { close(fd) }
    XCTAssertNotNil(waitUntil(10, every: 0.005) { backend.accepted >= 1 })
    let started = TestClock.now()
    relay.send(SIGTERM)
    XCTAssertEqual(relay.waitForExit(timeoutSeconds: 30), 0)
    let elapsed = TestClock.now() - started
    // Ended by the drain timeout (reason `shutdown` below), not before it.
    XCTAssertGreaterThanOrEqual(elapsed, 0.45)
    // The exit can come before the test has read the last log line: wait for it.
    relay.waitForClosedConnections(1)
    XCTAssertEqual(closeReasons(relay), ["shutdown"])
    // Cut by the drain timeout: the client sees a reset, not an end of stream.
    XCTAssertEqual(TestSockets.readToEnd(fd, timeoutSeconds: 30).errno, ECONNRESET)
  }

  /// The notify protocol against a datagram socket standing in for systemd.
  func testSystemdNotifyProtocol() throws {
    let notify = try NotifySocket()
    func receive() -> String { notify.receive() }
    func receiveEvent() -> String { notify.receiveEvent() }
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: TestConfig.yaml(servers: [backend.port]),
      environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
    defer { relay.stop() }
    let ready = receive()
    XCTAssertTrue(ready.contains("READY=1"), ready)
    XCTAssertTrue(ready.contains("STATUS="), ready)
    // WatchdogSec=1s: pings every half interval while the event loops turn.
    XCTAssertEqual(receive(), "WATCHDOG=1")
    XCTAssertEqual(receive(), "WATCHDOG=1")
    relay.send(SIGHUP)
    let reloading = receiveEvent()
    XCTAssertTrue(reloading.contains("RELOADING=1"), reloading)
    XCTAssertTrue(reloading.contains("MONOTONIC_USEC="), reloading)
    XCTAssertTrue(receiveEvent().contains("READY=1"))
    relay.send(SIGTERM)
    XCTAssertTrue(receiveEvent().contains("STOPPING=1"))
    XCTAssertEqual(relay.waitForExit(timeoutSeconds: 30), 0)
  }
}

/// Socket activation as systemd does it, with `systemd-socket-activate` holding the socket.
final class SocketActivatedRelayTests: RelayTestCase {
  func testListenerTakesTheSocketTheServiceManagerPasses() throws {
    guard let activate = ExternalProcess.find("systemd-socket-activate") else {
      throw XCTSkip("systemd-socket-activate is not installed")
    }
    let backend = try TestBackend()
    defer { backend.stop() }
    // The config's own bind is a different (ephemeral) address: the passed socket wins.
    // systemd-socket-activate refuses port 0, so it is started again should another process
    // take its port first.
    let (relay, port) = try ListeningPorts.startOnFreePort(pid: \.pid, stop: { $0.stop() }) { port in
      try SplicerProcess(
        yaml: TestConfig.yaml(servers: [backend.port]), listeners: [],
        launcher: [activate, "--listen=127.0.0.1:\(port)", "--fdname=test"])
    }
    defer { relay.stop() }
    // systemd-socket-activate starts the service on the first connection.
    close(try TestSockets.connect(port: port))
    let line = relay.waitForLine(containing: "listener inherited from the service manager", timeoutSeconds: 20)
    XCTAssertNotNil(line)
    XCTAssertTrue(line?.contains("127.0.0.1:\(port)") ?? false, line ?? "")
    let specs = (0..<8).map { TransferSpec(requestLength: 100_000, responseLength: 200_000, seed: UInt64($0 + 1)) }
    try assertTransfers(specs, port: port, backend: backend)
  }
}
