import Foundation
import Glibc
import SplicerTestSupport
import XCTest

/// `splicer check` as an operator runs it: exit 0 and `FILE: OK (…)` on stdout for a good
/// file; exit 1 and the first error as `FILE:LINE:COLUMN: error: KEY: MESSAGE` on stderr for
/// a bad one, without binding anything.
final class CheckCommandTests: XCTestCase {
  private struct Outcome {
    let status: Int32
    let standardOutput: String
    let standardError: String
  }

  private var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(at: directory)
  }

  private func write(_ name: String, _ yaml: String) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  private func check(_ path: String) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: SplicerProcess.binaryPath)
    process.arguments = ["check", "--config", path]
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // A line or two each way: far below a pipe's capacity, so reading one pipe to its end
    // before the other cannot leave the child blocked on a full one.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
      status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }

  func testGoodFilePrintsOKWithCountsAndExitsZero() throws {
    // The listener's address is taken by another socket: `check` validates and never binds,
    // so that is no error for it (only `run` would fail).
    let taken = try TestSockets.listen()
    defer { close(taken) }
    let path = try write(
      "good.yaml",
      """
      workers: 3
      listeners:
        - { name: web, bind: "127.0.0.1:\(try TestSockets.port(of: taken))", pool: app }
        - { name: web6, bind: "[::1]:0", pool: api }
      pools:
        app: { servers: [{ address: 127.0.0.1:9000 }, { address: "unix:/run/app.sock" }] }
        api: { balance: source_hash, servers: [{ address: "localhost:9001" }] }
        spare: { servers: [{ address: 10.0.0.1:80 }] }
      """)
    let outcome = try check(path)
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    // The OK line first; the capacity plan's notes follow (tested below).
    XCTAssertEqual(
      outcome.standardOutput.split(separator: "\n").first.map(String.init),
      "\(path): OK (listeners: 2, pools: 3, workers: 3)")
    XCTAssertEqual(outcome.standardError, "")
  }

  func testMisspeltKeyIsReportedWithFileLineColumnAndExitsOne() throws {
    let path = try write(
      "typo.yaml", ConfigTemplate.minimal.appending("      - adress: 127.0.0.1:9001"))
    let outcome = try check(path)
    XCTAssertEqual(outcome.status, 1)
    XCTAssertEqual(
      outcome.standardError,
      "\(path):9:9: error: pools.app.servers[1].adress: unknown key 'adress' (did you mean 'address'?)\n")
    XCTAssertFalse(outcome.standardOutput.contains("OK"), outcome.standardOutput)
  }

  /// Two bad values: only the first, in file order, is reported.
  func testOnlyTheFirstOfTwoErrorsIsReported() throws {
    let path = try write(
      "tuning.yaml", ConfigTemplate.minimal.appending("timeouts:\n  connect: 1.5s\ntuning:\n  pipe_size: 1MB"))
    let outcome = try check(path)
    XCTAssertEqual(outcome.status, 1)
    XCTAssertTrue(outcome.standardError.hasPrefix("\(path):10:12: error: timeouts.connect: "), outcome.standardError)
    XCTAssertFalse(outcome.standardError.contains("pipe_size"), outcome.standardError)
    XCTAssertEqual(outcome.standardError.split(separator: "\n").count, 1)
  }

  func testMissingFileExitsOne() throws {
    let path = directory.appendingPathComponent("missing.yaml").path
    let outcome = try check(path)
    XCTAssertEqual(outcome.status, 1)
    XCTAssertEqual(outcome.standardError, "\(path): error: cannot open config file: No such file or directory\n")
  }

  // MARK: Capacity plan

  /// The example config sets no `max_connections`: the plan says where this machine's
  /// descriptor limit puts the proxy, and the file is still valid.
  func testTheExampleConfigGetsItsCapacityNotes() throws {
    let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("etc/splicer.yaml").path
    let outcome = try check(example)
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    let lines = outcome.standardOutput.split(separator: "\n")
    XCTAssertTrue(lines.first?.hasSuffix(": OK (listeners: 2, pools: 1, workers: 2)") == true, outcome.standardOutput)
    XCTAssertTrue(
      lines.contains {
        $0.hasPrefix("note: descriptors: listeners web, web-copy have no max_connections: with RLIMIT_NOFILE")
      },
      outcome.standardOutput)
    XCTAssertFalse(lines.contains { $0.hasPrefix("warning:") }, outcome.standardOutput)
  }

  /// A config whose max_connections need more descriptors than this process may open gets a
  /// warning with the figure to set, and still exits 0: the file is valid.
  func testAConfigThatNeedsMoreDescriptorsThanTheLimitIsWarnedAbout() throws {
    var files = rlimit()
    XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files), 0)
    // Each connection holds at least two descriptors, so as many connections as the limit
    // allows descriptors need more than it (the child inherits this limit).
    let connections = min(Int(files.rlim_cur), 1_000_000)
    let path = try write(
      "many.yaml",
      """
      workers: 1
      listeners: [{ name: big, bind: "127.0.0.1:1", pool: app, max_connections: \(connections) }]
      pools: { app: { servers: [{ address: "127.0.0.1:9" }] } }
      tuning: { pipe_pool: 0 }
      """)
    let outcome = try check(path)
    XCTAssertEqual(outcome.status, 0, outcome.standardError)
    // 24 fixed, 2 for the worker and its listening socket, 6 per connection in splice mode.
    let needed = 24 + 3 + 6 * connections
    XCTAssertTrue(
      outcome.standardOutput.contains(
        "warning: descriptors: max_connections allow \(connections) connections, which need up to \(needed) "
          + "descriptors; RLIMIT_NOFILE is \(files.rlim_cur)"),
      outcome.standardOutput)
    XCTAssertTrue(
      outcome.standardOutput.contains("set LimitNOFILE=\(needed) in the systemd unit"), outcome.standardOutput)
  }
}
