import Foundation
import Glibc
import SplicerTestSupport
import XCTest

/// Runs one test method of this test bundle again in a child process, for what must not happen
/// in the test process itself: dropping root, or being exec'd by systemd-socket-activate.
///
/// The child is the same `.xctest` executable, started with the test's name as its filter and
/// `SPLICER_TEST_CHILD=<role>` in its environment; the child-side test skips itself unless it
/// sees its role. Its stdout and stderr are merged into one pipe the parent reads line by line.
final class ChildTestProcess: @unchecked Sendable {
  static let roleVariable = "SPLICER_TEST_CHILD"

  /// The role this process was started in, nil in the ordinary test run.
  static var currentRole: String? { ProcessInfo.processInfo.environment[roleVariable] }

  /// Skips the calling child-side test unless this process was started for `role`.
  static func skipUnlessRole(_ role: String) throws {
    if currentRole != role {
      throw XCTSkip("runs only in a child process started by its parent test (\(roleVariable)=\(role))")
    }
  }

  let process = Process()
  private let output: FileHandle
  private var pending = Data()
  private(set) var lines: [String] = []

  /// This test bundle's executable.
  static var bundlePath: String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }

  /// Starts `launcher` (if any) followed by the test bundle and `test` ("Class/method").
  /// `copy`: run the bundle's copy from there, with its environment (see `NobodyReadableCopy`).
  init(
    role: String, test: String, launcher: [String] = [], environment extra: [String: String] = [:],
    copy: NobodyReadableCopy? = nil
  ) throws {
    let command = launcher + [copy?.executable ?? Self.bundlePath, "SplicerSystemTests.\(test)"]
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    var environment = copy?.environment ?? ProcessInfo.processInfo.environment
    environment[Self.roleVariable] = role
    environment.merge(extra) { _, new in new }
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    output = pipe.fileHandleForReading
    try process.run()
    // A hung child must fail the test, not hang it.
    let process = self.process
    DispatchQueue.global().asyncAfter(deadline: .now() + 120) {
      if process.isRunning { process.terminate() }
    }
  }

  /// Reads until a line containing `text` arrives; nil at EOF.
  func waitForLine(containing text: String) -> String? {
    while true {
      if let line = nextLine() {
        if line.contains(text) { return line }
        continue
      }
      return nil
    }
  }

  /// Reads everything up to EOF, waits for the exit and returns the status.
  func finish() -> Int32 {
    while nextLine() != nil {}
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// Whether the child's XCTest run says one test ran and none failed (a filter that matched
  /// nothing would also exit 0).
  var ranOneTestWithoutFailure: Bool {
    lines.contains { $0.contains("Executed 1 test, with 0 failures") }
  }

  var transcript: String { lines.joined(separator: "\n") }

  private func nextLine() -> String? {
    while true {
      if let newline = pending.firstIndex(of: 0x0A) {
        let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
        pending.removeSubrange(pending.startIndex...newline)
        lines.append(line)
        return line
      }
      let chunk = output.availableData
      if chunk.isEmpty {
        if pending.isEmpty { return nil }
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        lines.append(line)
        return line
      }
      pending.append(chunk)
    }
  }
}
