import Foundation
import Glibc
import XCTest

/// Shared helpers of the fault-injection tests: an `ImpairedLink` per test (removed in
/// teardown even when the test fails), the two-listener relay config, log and metric reads.
///
/// The relay always has two listeners: `test` reaches its server across the impaired link,
/// `direct` reaches a second server over plain loopback, so a test can show that a fault on
/// one path leaves the other alone.
class FaultInjectionTestCase: RelayTestCase {
  /// Interfaces created by this process so far, for unique names and subnets.
  nonisolated(unsafe) private static var linksCreated = 0

  override func setUp() {
    super.setUp()
    // A client writing into a connection the relay reset must see EPIPE, not die of SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
  }

  /// A new impaired link (passing everything until told otherwise); skips the test where
  /// the machine cannot build one.
  func makeLink(seed: UInt64) throws -> ImpairedLink {
    Self.linksCreated += 1
    let link: ImpairedLink
    do {
      link = try ImpairedLink(index: Self.linksCreated, seed: seed)
    } catch {
      throw XCTSkip("fault injection needs a TUN interface: \(error.reason)")
    }
    addTeardownBlock { link.close() }
    return link
  }

  /// The relay's config: `test` -> pool `remote` (`remote`, an address across the link),
  /// `direct` -> pool `local` (127.0.0.1:`local`), and the admin endpoint.
  func yaml(remote: String, local: UInt16, connect: String = "1s", idle: String = "5s", retries: Int = 1) -> String {
    """
    workers: 2
    listeners:
      - { name: test, bind: "127.0.0.1:0", pool: remote }
      - { name: direct, bind: "127.0.0.1:0", pool: local }
    pools:
      remote:
        retries: \(retries)
        servers:
          - address: "\(remote)"
      local:
        servers:
          - address: "127.0.0.1:\(local)"
    timeouts: { connect: \(connect), idle: \(idle) }
    tuning: { pipe_size: 1MiB, pipe_pool: 0, copy_buffer: 64KiB }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  func startRelay(_ yaml: String) throws -> SplicerProcess {
    try SplicerProcess(yaml: yaml, listeners: ["test", "direct"])
  }

  /// The value of one series on the relay's /metrics, nil if absent or unreachable.
  func metric(_ relay: SplicerProcess, _ series: String) -> Double? {
    guard let body = try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body else { return nil }
    return HTTPGet.sample(body, series)
  }

  /// How many access-log lines carry each close reason.
  func reasonCounts(_ relay: SplicerProcess) -> [String: Int] {
    closeReasons(relay).reduce(into: [:]) { $0[$1, default: 0] += 1 }
  }

  /// The `connect_ms` of each access-log line whose `listener` is `listener`.
  func connectMilliseconds(_ relay: SplicerProcess, listener: String) -> [Double] {
    relay.waitForClosedConnections(0, timeoutSeconds: 0).filter { $0.contains("\"listener\":\"\(listener)\"") }
      .compactMap { line in
        guard let range = line.range(of: "\"connect_ms\":\"") else { return nil }
        return Double(line[range.upperBound...].prefix { $0 != "\"" })
      }
  }

  /// Drives `connections` until `condition` holds, all are done, or the deadline passes;
  /// returns whether `condition` held.
  func drive(_ connections: [StreamConnection], timeoutSeconds: Double, until condition: () -> Bool) -> Bool {
    // Each round returns after at most ~100 ms (one poll) so the condition is rechecked.
    waitUntil(timeoutSeconds, every: 0) {
      if condition() || connections.allSatisfy(\.done) { return true }
      _ = PollDriver.run(connections, timeoutSeconds: 0.01)
      return false
    }
    return condition()
  }

  /// One line per measurement in the test output, for the timings in docs/RELIABILITY.md.
  func record(_ what: String, _ seconds: Double) {
    print("fault-injection \(name): \(what) = \(String(format: "%.3f", seconds)) s")
  }
}
