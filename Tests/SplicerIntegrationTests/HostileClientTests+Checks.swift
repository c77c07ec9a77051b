import Glibc
import XCTest

/// What the hostile-client tests check after each attack: the admin endpoint answers, the
/// relay did not crash, its descriptors come back, and it is quiet again.
extension HostileClientTests {
  func metrics(_ relay: SplicerProcess) throws -> String {
    try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
  }

  func activeConnections(_ relay: SplicerProcess, listener: String = "test") -> Double {
    // -1 when the scrape fails, so that a wait for 0 cannot end on an empty answer.
    guard let scrape = try? HTTPGet.get(port: relay.port("admin"), path: "/metrics"), scrape.status == 200 else {
      return -1
    }
    let text = scrape.body
    return HostileSockets.metricSum(text, "splicer_connections_active", labels: ["listener=\"\(listener)\""])
  }

  /// Asserts that /healthz and /metrics answer; returns whether both did.
  @discardableResult
  func assertAdminAnswers(
    _ relay: SplicerProcess, file: StaticString = #filePath, line: UInt = #line
  ) -> Bool {
    let admin = relay.port("admin")
    let health = try? HTTPGet.get(port: admin, path: "/healthz")
    XCTAssertEqual(health?.status, 200, "healthz", file: file, line: line)
    let scrape = try? HTTPGet.get(port: admin, path: "/metrics")
    XCTAssertEqual(scrape?.status, 200, "metrics", file: file, line: line)
    let complete = scrape?.body.contains("splicer_connections_accepted_total") ?? false
    XCTAssertTrue(complete, "metrics body", file: file, line: line)
    return health?.status == 200 && scrape?.status == 200 && complete
  }

  func assertDescriptorsReturn(
    _ relay: SplicerProcess, to baseline: Int, file: StaticString = #filePath, line: UInt = #line
  ) {
    // At most the baseline: one fewer is no leak (an admin connection from a scrape can still
    // be open when the baseline is taken, and gone by now).
    let back = waitUntil(20) { relay.openDescriptors() <= baseline } != nil
    XCTAssertTrue(
      back, "relay descriptors \(relay.openDescriptors()), baseline \(baseline): \(relay.describeDescriptors())",
      file: file, line: line)
  }

  /// Fails with the crashed thread's first frames if the relay's backtracer reported a
  /// crash; returns whether it did, so the test can stop instead of piling up failures.
  /// `waitSeconds` is long when something already failed: the backtracer takes seconds.
  func relayCrashed(
    _ relay: SplicerProcess, waitSeconds: Double, file: StaticString = #filePath, line: UInt = #line
  ) -> Bool {
    guard relay.waitForLine(containing: "Program crashed", timeoutSeconds: waitSeconds) != nil else { return false }
    _ = relay.waitForExit(timeoutSeconds: 30)
    let lines = relay.allLines()
    let start = lines.firstIndex { $0.contains("\" crashed:") } ?? max(0, lines.count - 8)
    let frames = lines[start..<min(lines.count, start + 6)].filter { !$0.isEmpty }
    XCTFail("relay crashed:\n\(frames.joined(separator: "\n"))", file: file, line: line)
    return true
  }

  /// Waits until no connection is active and none is left for the relay to accept: the
  /// kernel holds none for its listener (accept queue, handshakes in progress), and two scrapes
  /// in a row agree. (A pause of accepting after EMFILE leaves closed clients in the backlog
  /// for later; waiting for a quiet moment instead guessed how long that takes.)
  func waitUntilQuiet(_ relay: SplicerProcess, timeoutSeconds: Double = 60) -> Bool {
    var lastAccepted = -1.0
    return waitUntil(timeoutSeconds) {
      guard HostileSockets.pendingConnections(toPort: relay.port()) == 0,
        let scrape = try? HTTPGet.get(port: relay.port("admin"), path: "/metrics"), scrape.status == 200
      else { return false }
      let accepted = HostileSockets.metricSum(scrape.body, "splicer_connections_accepted_total")
      let active = HostileSockets.metricSum(scrape.body, "splicer_connections_active")
      defer { lastAccepted = accepted }
      return active == 0 && accepted == lastAccepted
        && HostileSockets.pendingConnections(toPort: relay.port()) == 0
    } != nil
  }
}
