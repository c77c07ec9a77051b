import Foundation
import Glibc
import SplicerTestSupport
import XCTest

/// `--watch-config` on a relay started as root that drops to nobody: the watch is set up as
/// nobody, so it works on a directory nobody can read, and says so clearly on one it cannot.
final class ConfigWatchPrivilegeTests: RelayTestCase {
  private func yaml(_ backend: TestBackend, marks: [Int] = []) -> String {
    let extra = marks.map { "  - name: mark\($0)\n    bind: 127.0.0.1:0\n    pool: backends\n" }.joined()
    return TestConfig.yaml(servers: [backend.port]).replacingOccurrences(
      of: "listeners:\n", with: "listeners:\n" + extra) + "\nuser: nobody\ngroup: nogroup\n"
  }

  func testWatchWorksAfterTheDropToNobody() throws {
    try XCTSkipUnless(geteuid() == 0, "needs root")
    let backend = try TestBackend()
    defer { backend.stop() }
    let copy = try NobodyReadableCopy(executable: SplicerProcess.binaryPath)
    defer { copy.remove() }
    let relay = try SplicerProcess(
      yaml: yaml(backend), copy: copy, arguments: ["--watch-config"],
      layout: { directory, yaml in
        // World-readable, as /etc/splicer is.
        chmod(directory.path, 0o755)
        let path = directory.appendingPathComponent("splicer.yaml").path
        try yaml.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        return path
      })
    defer { relay.stop() }
    XCTAssertEqual(relay.lineCount(containing: "watching the config file"), 1, relay.allLines().joined(separator: "\n"))
    try yaml(backend, marks: [1]).write(toFile: relay.configPath, atomically: false, encoding: .utf8)
    XCTAssertNotNil(
      relay.waitForLine(containing: "\"message\":\"reloaded\"", and: "mark1"), relay.allLines().joined(separator: "\n"))
  }

  func testUnreadableDirectoryIsLoggedAtStart() throws {
    try XCTSkipUnless(geteuid() == 0, "needs root")
    let backend = try TestBackend()
    defer { backend.stop() }
    let copy = try NobodyReadableCopy(executable: SplicerProcess.binaryPath)
    defer { copy.remove() }
    let relay = try SplicerProcess(
      yaml: yaml(backend), copy: copy, arguments: ["--watch-config"],
      layout: { directory, yaml in
        // Root reads it at start; nobody cannot list it after the drop.
        let hidden = directory.appendingPathComponent("root-only")
        try FileManager.default.createDirectory(at: hidden, withIntermediateDirectories: false)
        chmod(hidden.path, 0o711)
        let path = hidden.appendingPathComponent("splicer.yaml").path
        try yaml.write(toFile: path, atomically: false, encoding: .utf8)
        return path
      })
    defer { relay.stop() }
    let line = relay.waitForLine(containing: "cannot watch the config file")
    XCTAssertNotNil(line, relay.allLines().joined(separator: "\n"))
    XCTAssertTrue(line?.contains("EACCES") ?? false, line ?? "")
    // The relay runs without the watch.
    try assertTransfers(
      [TransferSpec(requestLength: 100, responseLength: 100, seed: 2)], port: relay.port(), backend: backend)
  }
}
