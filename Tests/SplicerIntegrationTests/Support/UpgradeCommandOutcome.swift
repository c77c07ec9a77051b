import Foundation

/// `splicer upgrade` run to its end as an operator runs it: its status and what it printed.
struct UpgradeCommandOutcome {
  let status: Int32
  let pid: Int32
  let standardOutput: String
  let standardError: String

  /// Runs `splicer upgrade <arguments>` and waits for it.
  static func run(_ arguments: [String]) throws -> UpgradeCommandOutcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: SplicerProcess.binaryPath)
    process.arguments = ["upgrade"] + arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // A line or two each way, far below a pipe's capacity.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return UpgradeCommandOutcome(
      status: process.terminationStatus, pid: process.processIdentifier,
      standardOutput: String(decoding: outputData, as: UTF8.self),
      standardError: String(decoding: errorData, as: UTF8.self))
  }

  /// The new pid of an `upgraded: pid A -> B` line, nil for any other output.
  func newPID(from old: Int32) -> Int32? {
    let prefix = "upgraded: pid \(old) -> "
    guard standardOutput.hasPrefix(prefix), standardOutput.hasSuffix("\n") else { return nil }
    return Int32(standardOutput.dropFirst(prefix.count).dropLast())
  }
}
