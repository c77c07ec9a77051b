import Foundation

/// A helper program (iperf3, curl, a Python HTTP server) run for a test, with its output.
final class ExternalProcess {
  let process = Process()
  private let output = Pipe()

  init(_ executable: String, _ arguments: [String], directory: String? = nil) throws {
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  /// Runs to completion and returns (exit status, stdout).
  static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
    let external = try ExternalProcess(executable, arguments)
    let data = external.output.fileHandleForReading.readDataToEndOfFile()
    external.process.waitUntilExit()
    return (external.process.terminationStatus, data)
  }

  /// The first path among `candidates` that exists, for tools Debian installs in /usr/bin.
  static func find(_ name: String) -> String? {
    for directory in ["/usr/bin", "/usr/local/bin", "/bin"] {
      let path = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }

  func terminate() {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }

  deinit { terminate() }
}
