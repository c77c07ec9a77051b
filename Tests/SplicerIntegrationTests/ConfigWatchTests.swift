import Foundation
import Glibc
import XCTest

/// `splicer run --watch-config` on a real relay: each way a config file changes (in place, by
/// rename, by a ConfigMap's `..data` swap) causes exactly one reload, the SIGHUP one.
///
/// "Exactly one" without sleeping: after the first change is reloaded, a second change adds
/// another listener; once that listener is bound, any duplicate reload of the first change
/// would already be in the log (it would come from the first change's events, which all came
/// earlier), so the count of `reloaded` lines must be two.
final class ConfigWatchTests: RelayTestCase {
  private static let reloaded = "\"message\":\"reloaded\""

  /// The relay's config with one more listener per mark, so that each change is visible.
  private func yaml(_ backend: TestBackend, marks: [Int], level: String = "info") -> String {
    let extra = marks.map { "  - name: mark\($0)\n    bind: 127.0.0.1:0\n    pool: backends\n" }.joined()
    return TestConfig.yaml(servers: [backend.port], admin: true)
      .replacingOccurrences(of: "listeners:\n", with: "listeners:\n" + extra)
      .replacingOccurrences(of: "level: info", with: "level: \(level)")
  }

  /// Applies `change`, then waits until listener `mark<n>` is bound and reloaded.
  private func expectReload(
    _ relay: SplicerProcess, mark: Int, file: StaticString = #filePath, line: UInt = #line, _ change: () throws -> Void
  ) throws {
    try change()
    XCTAssertNotNil(
      relay.waitForLine(containing: "\"listener\":\"mark\(mark)\"", and: "listener bound"),
      "mark\(mark) not bound: \(relay.allLines().joined(separator: "\n"))", file: file, line: line)
    XCTAssertNotNil(
      relay.waitForLine(containing: Self.reloaded, and: "mark\(mark)"), "no reload for mark\(mark)", file: file,
      line: line)
  }

  private func assertReloads(
    _ relay: SplicerProcess, success: Int, failure: Int, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    XCTAssertEqual(relay.lineCount(containing: Self.reloaded), success, "reloaded lines", file: file, line: line)
    XCTAssertEqual(relay.lineCount(containing: "reload failed"), failure, "failed lines", file: file, line: line)
    // Each one came from the watch, which logs before it signals.
    XCTAssertEqual(
      relay.lineCount(containing: "config file changed"), success + failure, "watch lines", file: file, line: line)
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_config_reloads_total{outcome=\"success\"}"), Double(success), file: file,
      line: line)
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_config_reloads_total{outcome=\"failure\"}"), Double(failure), file: file,
      line: line)
  }

  func testRewriteInPlaceReloadsOnce() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: yaml(backend, marks: [], level: "debug"), arguments: ["--watch-config"])
    defer { relay.stop() }
    XCTAssertEqual(relay.lineCount(containing: "watching the config file"), 1)
    let directory = (relay.configPath as NSString).deletingLastPathComponent
    try expectReload(relay, mark: 1) {
      try yaml(backend, marks: [1], level: "debug").write(toFile: relay.configPath, atomically: false, encoding: .utf8)
    }
    // Neither another file in the directory nor the same bytes written again is a change:
    // each burst ends in a look at the file (logged at debug) that sends nothing.
    let unchanged = "config file did not"
    try "unrelated".write(toFile: directory + "/notes.txt", atomically: false, encoding: .utf8)
    XCTAssertNotNil(relay.waitForLine(containing: unchanged))
    try yaml(backend, marks: [1], level: "debug").write(toFile: relay.configPath, atomically: false, encoding: .utf8)
    XCTAssertNotNil(waitUntil(30) { relay.lineCount(containing: unchanged) >= 2 })
    try expectReload(relay, mark: 2) {
      try yaml(backend, marks: [1, 2], level: "debug").write(
        toFile: relay.configPath, atomically: false, encoding: .utf8)
    }
    try assertReloads(relay, success: 2, failure: 0)
    XCTAssertEqual(relay.lineCount(containing: "\"message\":\"reloading\""), 2)
  }

  func testReplaceByRenameReloadsOnce() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: yaml(backend, marks: []), arguments: ["--watch-config"])
    defer { relay.stop() }
    // `atomically: true` writes a temporary file beside it and renames it onto the path.
    try expectReload(relay, mark: 1) { try relay.rewriteConfig(yaml(backend, marks: [1])) }
    try expectReload(relay, mark: 2) { try relay.rewriteConfig(yaml(backend, marks: [1, 2])) }
    try assertReloads(relay, success: 2, failure: 0)
  }

  /// The layout kubelet mounts for a ConfigMap, updated the way kubelet updates it.
  func testConfigMapDataSwapReloadsOnce() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: yaml(backend, marks: []), arguments: ["--watch-config"],
      layout: { directory, yaml in
        try Self.writeConfigMapVersion(yaml, in: directory, version: 1)
        let manager = FileManager.default
        try manager.createSymbolicLink(
          atPath: directory.appendingPathComponent("..data").path, withDestinationPath: Self.versionName(1))
        let path = directory.appendingPathComponent("splicer.yaml").path
        try manager.createSymbolicLink(atPath: path, withDestinationPath: "..data/splicer.yaml")
        return path
      })
    defer { relay.stop() }
    let directory = URL(fileURLWithPath: (relay.configPath as NSString).deletingLastPathComponent)
    try expectReload(relay, mark: 1) {
      try Self.swapConfigMap(yaml(backend, marks: [1]), in: directory, from: 1, to: 2)
    }
    try expectReload(relay, mark: 2) {
      try Self.swapConfigMap(yaml(backend, marks: [1, 2]), in: directory, from: 2, to: 3)
    }
    try assertReloads(relay, success: 2, failure: 0)
  }

  func testBrokenWriteChangesNothingAndAFixedWriteReloads() throws {
    let backend = try TestBackend()
    defer { backend.stop() }
    let relay = try SplicerProcess(yaml: yaml(backend, marks: []), arguments: ["--watch-config"])
    defer { relay.stop() }
    try relay.rewriteConfig(yaml(backend, marks: [1]).replacingOccurrences(of: "address:", with: "adress:"))
    let failed = relay.waitForLine(containing: "reload failed")
    XCTAssertNotNil(failed, relay.allLines().joined(separator: "\n"))
    XCTAssertTrue(failed?.contains("splicer.yaml:") ?? false, "no file:line in \(failed ?? "")")
    XCTAssertEqual(relay.lineCount(containing: "\"listener\":\"mark1\""), 0)
    // The old listener still serves.
    try assertTransfers(
      [TransferSpec(requestLength: 1_000, responseLength: 1_000, seed: 7)], port: relay.port(), backend: backend)
    try expectReload(relay, mark: 1) { try relay.rewriteConfig(yaml(backend, marks: [1])) }
    try assertReloads(relay, success: 1, failure: 1)
  }

  private static func versionName(_ version: Int) -> String { "..2026_12_06_00_00_00.\(version)" }

  private static func writeConfigMapVersion(_ yaml: String, in directory: URL, version: Int) throws {
    let versionDirectory = directory.appendingPathComponent(versionName(version))
    try FileManager.default.createDirectory(at: versionDirectory, withIntermediateDirectories: false)
    try yaml.write(to: versionDirectory.appendingPathComponent("splicer.yaml"), atomically: false, encoding: .utf8)
  }

  /// New timestamped directory, `..data_tmp` pointing at it, rename(2) onto `..data`, old
  /// directory removed: kubelet's AtomicWriter.
  private static func swapConfigMap(_ yaml: String, in directory: URL, from old: Int, to new: Int) throws {
    try writeConfigMapVersion(yaml, in: directory, version: new)
    let temporary = directory.appendingPathComponent("..data_tmp").path
    try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: versionName(new))
    let result = rename(temporary, directory.appendingPathComponent("..data").path)
    XCTAssertEqual(result, 0, "rename: errno \(errno)")
    try FileManager.default.removeItem(at: directory.appendingPathComponent(versionName(old)))
  }
}
