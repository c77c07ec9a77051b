import Foundation
import SplicerConfig
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// The inputs that once crashed the config fuzzer (`Fuzz/Regressions/config/`, replayed by
/// scripts/fuzz.sh too), loaded as `splicer check` and a reload load them: each must be rejected
/// with a `ConfigError`, never crash the process.
///
/// Each input is loaded in a child process, this test bundle run again for
/// `testChildLoadsOneInput` alone, so that an input that still crashes the loader fails this
/// test with its signal instead of killing the whole test run.
final class ConfigFuzzRegressionTests: XCTestCase {
  static let inputVariable = "SPLICER_CONFIG_REGRESSION_INPUT"

  static var regressionsDirectory: URL {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fuzz/Regressions/config")
  }

  func testEveryRegressionInputIsAConfigError() throws {
    let inputs = try FileManager.default.contentsOfDirectory(atPath: Self.regressionsDirectory.path).sorted()
    XCTAssertFalse(inputs.isEmpty, "no inputs in \(Self.regressionsDirectory.path)")
    for name in inputs {
      let path = Self.regressionsDirectory.appendingPathComponent(name).path
      let (reason, status, output) = try runChild(loading: path)
      XCTAssertEqual(reason, .exit, "\(name): the loader died of signal \(status)\n\(output.suffix(3000))")
      XCTAssertEqual(status, 0, "\(name):\n\(output.suffix(3000))")
      XCTAssertTrue(
        output.contains("Executed 1 test, with 0 failures"), "\(name): the child ran no test\n\(output.suffix(3000))")
    }
  }

  /// The child side: loads the file named by the environment and expects a `ConfigError`.
  func testChildLoadsOneInput() throws {
    guard let path = ProcessInfo.processInfo.environment[Self.inputVariable] else {
      throw XCTSkip("runs only in a child process started by testEveryRegressionInputIsAConfigError")
    }
    do {
      let configuration = try ConfigLoader.load(path: path)
      XCTFail("\(path) loaded as \(configuration); expected a ConfigError")
    } catch {
      XCTAssertFalse(error.message.isEmpty)
    }
  }

  /// Runs `testChildLoadsOneInput` in this bundle again on `path`; its exit and merged output.
  private func runChild(loading path: String) throws -> (Process.TerminationReason, Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = ["SplicerConfigTests.ConfigFuzzRegressionTests/testChildLoadsOneInput"]
    var environment = ProcessInfo.processInfo.environment
    environment[Self.inputVariable] = path
    // A stack overflow makes the Swift backtracer symbolicate thousands of frames for seconds;
    // the signal says enough, and scripts/fuzz.sh replays the input with a stack trace.
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    // A hung child must fail the test, not hang it.
    DispatchQueue.global().asyncAfter(deadline: .now() + 120) {
      if process.isRunning { process.terminate() }
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationReason, process.terminationStatus, String(decoding: output, as: UTF8.self))
  }
}
