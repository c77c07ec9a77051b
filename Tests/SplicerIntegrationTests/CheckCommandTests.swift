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
    XCTAssertEqual(outcome.standardOutput, "\(path): OK (listeners: 2, pools: 3, workers: 3)\n")
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
}
