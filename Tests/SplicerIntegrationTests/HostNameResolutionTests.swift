import Foundation
import Glibc
import XCTest

/// A server named by host name follows its name: a changed answer applies to new connections,
/// and a failed lookup keeps the last good address.
///
/// The relay runs in a mount namespace of its own (`unshare -m`) with a hosts file and an
/// nsswitch.conf (`hosts: files`, so a missing name fails at once instead of asking DNS)
/// bind-mounted over /etc: the test controls what getaddrinfo answers, and the machine's own
/// /etc/hosts is never touched.
final class HostNameResolutionTests: RelayTestCase {
  private let hostName = "backend.splicer-test"

  private func writeInPlace(_ text: String, to path: String) throws {
    // Rewritten in place, never replaced by a rename: the bind mount holds the file's inode.
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw TestSocketError(call: "open \(path)", code: errno)
    }
    defer { try? handle.close() }
    try handle.truncate(atOffset: 0)
    try handle.write(contentsOf: Data(text.utf8))
  }

  func testChangedAnswerIsFollowedAndAFailedLookupKeepsTheLastGoodAddress() throws {
    guard let unshare = ExternalProcess.find("unshare"),
      (try? ExternalProcess.run(unshare, ["-m", "--", "/bin/true"]).status) == 0
    else {
      throw XCTSkip("no mount namespaces here (unshare -m fails), so the hosts file cannot be replaced privately")
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-hosts-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let hosts = directory.appendingPathComponent("hosts").path
    let nsswitch = directory.appendingPathComponent("nsswitch.conf").path
    try "127.0.0.1 localhost\n127.0.0.1 \(hostName)\n".write(toFile: hosts, atomically: false, encoding: .utf8)
    try "hosts: files\n".write(toFile: nsswitch, atomically: false, encoding: .utf8)

    // Two backends on the same port, one per address the name will have.
    let first = try TestBackend()
    defer { first.stop() }
    let second = try TestBackend(port: first.port, host: "127.0.0.2")
    defer { second.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: named }]
        pools:
          named:
            resolve_interval: 1s
            servers: [{ address: "\(hostName):\(first.port)" }]
        log: { level: info, format: json, access_log: true }
        """,
      launcher: [
        unshare, "-m", "--", "/bin/sh", "-c",
        "mount --bind \"$1\" /etc/hosts && mount --bind \"$2\" /etc/nsswitch.conf && shift 2 && exec \"$@\"",
        "sh", hosts, nsswitch,
      ])
    defer { relay.stop() }
    var seed: UInt64 = 0
    func transfers(_ backend: TestBackend) throws {
      let specs = (0..<3).map { _ in
        seed += 1
        return TransferSpec(requestLength: 20_000, responseLength: 30_000, seed: seed)
      }
      try assertTransfers(specs, port: relay.port(), backend: backend)
    }

    try transfers(first)
    XCTAssertEqual(first.accepted, 3)
    XCTAssertEqual(second.accepted, 0)

    // A new answer: logged, and new connections go to the new address.
    try writeInPlace("127.0.0.1 localhost\n127.0.0.2 \(hostName)\n", to: hosts)
    let changed = relay.waitForLine(containing: "\"message\":\"server address changed\"", timeoutSeconds: 30)
    XCTAssertNotNil(changed, "the changed answer was never picked up")
    XCTAssertTrue(changed?.contains("127.0.0.2") ?? false, changed ?? "")
    try transfers(second)
    XCTAssertEqual(first.accepted, 3, "a connection went to the old address after the change")
    XCTAssertEqual(second.accepted, 3)

    // The name disappears: the lookup fails, and the last good address stays in use.
    try writeInPlace("127.0.0.1 localhost\n", to: hosts)
    let failed = relay.waitForLine(containing: "\"message\":\"server address lookup failed\"", timeoutSeconds: 30)
    XCTAssertNotNil(failed, "the failed lookup was never logged")
    XCTAssertTrue(failed?.contains("\"keeping\":\"127.0.0.2") ?? false, failed ?? "")
    try transfers(second)
    XCTAssertEqual(first.accepted, 3)
    XCTAssertEqual(second.accepted, 6, "the last good address was not kept after a failed lookup")
    relay.waitForClosedConnections(9)
    XCTAssertEqual(closeReasons(relay), Array(repeating: "completed", count: 9))
  }
}
