import Foundation
import Glibc
import XCTest

/// Active and passive health checks, draining and the all-down fallback, on a real relay.
final class HealthCheckTests: RelayTestCase {
  private func yaml(servers: [String], healthCheck: String, extraPool: String = "", admin: Bool = true) -> String {
    """
    workers: 2
    listeners:
      - { name: test, bind: "127.0.0.1:0", pool: backends }
    pools:
      backends:
        retries: 1
        health_check: \(healthCheck)
    \(extraPool)    servers:
    \(servers.map { "      - \($0)" }.joined(separator: "\n"))
    timeouts: { connect: 1s, idle: 60s }
    tuning: { pipe_pool: 0 }
    log: { level: info, access_log: true }
    \(admin ? "admin: { bind: 127.0.0.1:0 }" : "")
    """
  }

  private func metrics(_ relay: SplicerProcess) -> String {
    (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
  }

  private func serverState(_ relay: SplicerProcess, _ port: UInt16) -> String? {
    guard let body = try? HTTPGet.get(port: relay.port("admin"), path: "/status").body,
      let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
      let pools = json["pools"] as? [[String: Any]], let servers = pools.first?["servers"] as? [[String: Any]]
    else { return nil }
    return servers.first { $0["address"] as? String == "127.0.0.1:\(port)" }?["state"] as? String
  }

  /// One of two backends dies: it is taken down after `fall` failed checks, from then on no
  /// new connection goes to it and no client sees an error; once it is back it is brought up
  /// after `rise` passed checks and gets traffic again.
  ///
  /// How fast that happens depends on timers firing on time, which a loaded machine does not
  /// promise; the test waits for each transition and checks the counts of checks behind it.
  func testDeadBackendIsTakenOutAndBroughtBack() throws {
    let healthy = try TestBackend()
    defer { healthy.stop() }
    let dying = try TestBackend()
    defer { dying.stop() }
    let dyingPort = dying.port
    let relay = try SplicerProcess(
      yaml: yaml(
        servers: ["{ address: \"127.0.0.1:\(healthy.port)\" }", "{ address: \"127.0.0.1:\(dyingPort)\" }"],
        healthCheck: "{ type: tcp, interval: 200ms, timeout: 100ms, rise: 2, fall: 2, jitter: 0 }"))
    defer { relay.stop() }
    let server = "pool=\"backends\",server=\"127.0.0.1:\(dyingPort)\""
    let attempts = "splicer_server_connect_attempts_total{\(server)}"
    let failedChecks = "splicer_health_checks_total{\(server),result=\"failed\"}"
    let passedChecks = "splicer_health_checks_total{\(server),result=\"passed\"}"
    // Steady load before: both servers take connections. All ten must have closed before the
    // backend dies, or one still being torn down would rightly end in `server_reset`.
    for _ in 0..<10 {
      let fd = try TestSockets.connect(port: relay.port())
      close(fd)
    }
    XCTAssertEqual(relay.waitForClosedConnections(10).count, 10, "the first ten connections never closed")
    XCTAssertEqual(closeReasons(relay), Array(repeating: "completed", count: 10))
    XCTAssertGreaterThan(dying.accepted, 0, "the second backend never got traffic")
    let failedAtKill = HTTPGet.sample(metrics(relay), failedChecks) ?? -1
    // The placeholder keeps the port refusing connections and free for the revived backend.
    let placeholder = try dying.stopKeepingPort()
    var placeholderOpen = true
    defer { if placeholderOpen { close(placeholder) } }
    XCTAssertNotNil(
      waitUntil(30) { self.serverState(relay, dyingPort) == "down" }, "the dead backend was never marked down")
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"server down\"", and: "\(dyingPort)"))
    XCTAssertGreaterThanOrEqual(
      (HTTPGet.sample(metrics(relay), failedChecks) ?? 0) - failedAtKill, 2, "down before `fall` failed checks")
    // From now on no new connection goes to it, and clients see no error.
    let attemptsAtDown = HTTPGet.sample(metrics(relay), attempts) ?? -1
    for index in 0..<30 {
      try assertTransfers(
        [TransferSpec(requestLength: 1_000, responseLength: 1_000, seed: UInt64(10_000 + index))], port: relay.port(),
        backend: healthy, timeoutSeconds: 30)
    }
    XCTAssertEqual(
      HTTPGet.sample(metrics(relay), attempts), attemptsAtDown, "connections still went to the dead server")
    XCTAssertEqual(relay.waitForClosedConnections(40).count, 40, "access log lines")
    XCTAssertEqual(closeReasons(relay), Array(repeating: "completed", count: 40))
    // It comes back on the same port: up after `rise` passed checks, then traffic again.
    let passedAtRevival = HTTPGet.sample(metrics(relay), passedChecks) ?? -1
    let revived = try TestBackend(port: dyingPort)
    defer { revived.stop() }
    close(placeholder)
    placeholderOpen = false
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, dyingPort) == "up" }, "never brought back up")
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"server up\"", and: "\(dyingPort)"))
    XCTAssertGreaterThanOrEqual(
      (HTTPGet.sample(metrics(relay), passedChecks) ?? 0) - passedAtRevival, 2, "up before `rise` passed checks")
    for _ in 0..<10 {
      let fd = try TestSockets.connect(port: relay.port())
      close(fd)
    }
    XCTAssertNotNil(waitUntil(30) { revived.accepted > 0 }, "the revived backend got no traffic")
  }

  func testSendExpectCatchesABackendThatNeverAnswers() throws {
    let silent = try TestBackend(behavior: .holdOpen)
    defer { silent.stop() }
    let pong = try TestBackend(behavior: .pong)
    defer { pong.stop() }
    let relay = try SplicerProcess(
      yaml: yaml(
        servers: ["{ address: \"127.0.0.1:\(silent.port)\" }", "{ address: \"127.0.0.1:\(pong.port)\" }"],
        healthCheck:
          "{ type: send_expect, send: \"PING\\r\\n\", expect: \"+PONG\", interval: 200ms, timeout: 100ms, rise: 1, fall: 1 }"
      ))
    defer { relay.stop() }
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, silent.port) == "down" }, "silent backend not caught")
    // The pong server's first check may still be on its way when the silent one is down:
    // wait for it to pass rather than read the counter once.
    let passed = "splicer_health_checks_total{pool=\"backends\",server=\"127.0.0.1:\(pong.port)\",result=\"passed\"}"
    XCTAssertNotNil(waitUntil(30) { (HTTPGet.sample(self.metrics(relay), passed) ?? 0) > 0 }, "no check of pong passed")
    XCTAssertEqual(serverState(relay, pong.port), "up")
  }

  func testHTTPCheckCatchesAServerError() throws {
    let failing = try TestBackend(behavior: .httpStatus(500))
    defer { failing.stop() }
    let fine = try TestBackend(behavior: .httpStatus(204))
    defer { fine.stop() }
    let relay = try SplicerProcess(
      yaml: yaml(
        servers: ["{ address: \"127.0.0.1:\(failing.port)\" }", "{ address: \"127.0.0.1:\(fine.port)\" }"],
        healthCheck:
          "{ type: http, path: /healthz, status: 200-299, interval: 200ms, timeout: 100ms, rise: 1, fall: 2 }"))
    defer { relay.stop() }
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, failing.port) == "down" }, "HTTP 500 not caught")
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"server down\"", and: "HTTP 500"))
    XCTAssertEqual(serverState(relay, fine.port), "up")
  }

  /// Every server down or draining: clients get the fallback file byte for byte, by sendfile.
  func testFallbackFileIsServedByteExactWhenNoServerIsUp() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fallback-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var payload = Array("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n".utf8)
    payload += (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let path = directory.appendingPathComponent("503.http").path
    try Data(payload).write(to: URL(fileURLWithPath: path))
    let dead = try TestSockets.refusingPort()
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: yaml(
        servers: ["{ address: \"127.0.0.1:\(dead)\" }", "{ address: \"127.0.0.1:\(backend.port)\", drain: true }"],
        healthCheck: "{ type: tcp, interval: 200ms, timeout: 100ms, rise: 1, fall: 1 }",
        extraPool: "    when_all_down: { respond_file: \(path) }\n"))
    defer { relay.stop() }
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, dead) == "down" })
    XCTAssertEqual(serverState(relay, backend.port), "draining")
    for _ in 0..<3 {
      let fd = try TestSockets.connect(port: relay.port())
      // A request the relay never reads: closing on it unread would reset the connection and
      // could cut the fallback short, so the relay must linger until our EOF.
      let request = [UInt8](repeating: 0x41, count: 32_768)
      XCTAssertEqual(request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, request.count)
      let (bytes, error) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
      close(fd)
      XCTAssertEqual(error, 0)
      XCTAssertEqual(bytes.count, payload.count)
      XCTAssertTrue(bytes == payload, "fallback bytes differ")
    }
    // Health checks still probe a draining server; relayed connections never go there.
    XCTAssertEqual(
      HTTPGet.sample(
        metrics(relay), "splicer_server_connect_attempts_total{pool=\"backends\",server=\"127.0.0.1:\(backend.port)\"}"),
      0, "a draining server got a new connection")
    XCTAssertEqual(
      HTTPGet.sample(metrics(relay), "splicer_connections_closed_total{listener=\"test\",reason=\"no_server_up\"}"), 3)
  }

  /// Passive observation takes a refusing server down after `observe.failures` connects.
  func testPassiveObservationTakesARefusingServerDownEarly() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let refused = try TestSockets.refusingPort()
    // The active check is slow (10 s): only passive observation can be this quick.
    let relay = try SplicerProcess(
      yaml: yaml(
        servers: ["{ address: \"127.0.0.1:\(refused)\" }", "{ address: \"127.0.0.1:\(backend.port)\" }"],
        healthCheck: "{ type: tcp, interval: 10s, timeout: 1s, rise: 1, fall: 3 }",
        extraPool: "    observe: { failures: 2 }\n"))
    defer { relay.stop() }
    for index in 0..<8 {
      try assertTransfers(
        [TransferSpec(requestLength: 10, responseLength: 10, seed: UInt64(index + 1))], port: relay.port(),
        backend: backend)
    }
    XCTAssertEqual(serverState(relay, refused), "down")
    let failures =
      "splicer_server_connect_failures_total{pool=\"backends\",server=\"127.0.0.1:\(refused)\",reason=\"refused\"}"
    // Two failures took it down; the workers that raced may add one each, no more.
    XCTAssertLessThanOrEqual(HTTPGet.sample(metrics(relay), failures) ?? 99, 4)
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"server down\"", and: "\"observed\""))
  }

  /// A reload that removes a pool's health check brings its down servers back.
  func testRemovingTheCheckBringsDownServersBack() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let dead = try TestSockets.refusingPort()
    let config = yaml(
      servers: ["{ address: \"127.0.0.1:\(dead)\" }", "{ address: \"127.0.0.1:\(backend.port)\" }"],
      healthCheck: "{ type: tcp, interval: 200ms, timeout: 100ms, rise: 1, fall: 1 }")
    let relay = try SplicerProcess(yaml: config)
    defer { relay.stop() }
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, dead) == "down" })
    let unchecked = config.components(separatedBy: "\n").filter { !$0.contains("health_check:") }.joined(
      separator: "\n")
    try relay.rewriteConfig(unchecked)
    relay.send(SIGHUP)
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"reloaded\""))
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, dead) == "up" })
  }

  /// Health survives a reload for a server that stays in the config.
  func testDownStateSurvivesAReload() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let dead = try TestSockets.refusingPort()
    let check = "{ type: tcp, interval: 200ms, timeout: 100ms, rise: 3, fall: 1 }"
    let config = yaml(
      servers: ["{ address: \"127.0.0.1:\(dead)\" }", "{ address: \"127.0.0.1:\(backend.port)\" }"], healthCheck: check)
    let relay = try SplicerProcess(yaml: config)
    defer { relay.stop() }
    XCTAssertNotNil(waitUntil(30) { self.serverState(relay, dead) == "down" })
    try relay.rewriteConfig(config.replacingOccurrences(of: "idle: 60s", with: "idle: 30s"))
    relay.send(SIGHUP)
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"reloaded\""))
    XCTAssertEqual(serverState(relay, dead), "down")
  }
}
