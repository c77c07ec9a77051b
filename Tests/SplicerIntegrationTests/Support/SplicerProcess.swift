import Foundation
import Glibc
import SplicerTestSupport

/// The `splicer` binary run as a child process on a config the test writes, with its stderr
/// (the structured log) captured line by line so tests can wait for log events.
///
/// Running the relay in its own process keeps its descriptors apart from the test's, so the
/// test can count them in /proc and stay under the per-process fd limit.
final class SplicerProcess: @unchecked Sendable {
  let process = Process()
  let configPath: String
  private let lock = NSCondition()
  private var lines: [String] = []
  private var ended = false
  /// Listener name -> bound port, from the "listener bound" log lines.
  private(set) var ports: [String: UInt16] = [:]

  static var binaryPath: String {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    // On Linux the test bundle is `<build>/SplicerPackageTests.xctest`, beside `splicer`.
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("splicer").path) {
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path { break }
      directory = parent
    }
    return directory.appendingPathComponent("splicer").path
  }

  /// Writes `yaml` to a temporary file and starts `splicer run` on it; waits until every
  /// listener in `listeners` is bound. `fdLimit` runs it under a lower RLIMIT_NOFILE.
  /// `copy`: run the binary's copy from there, with its environment (a relay that drops to
  /// `nobody`, see `NobodyReadableCopy`). `arguments` follow `run --config <path>`;
  /// `layout` writes the config into the temporary directory its own way and returns the path.
  init(
    yaml: String, listeners: [String] = ["test"], fdLimit: Int? = nil, environment: [String: String] = [:],
    launcher: [String] = [], copy: NobodyReadableCopy? = nil, arguments: [String] = [],
    layout: ((_ directory: URL, _ yaml: String) throws -> String)? = nil
  ) throws {
    let binary = copy?.executable ?? Self.binaryPath
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    if let layout {
      configPath = try layout(directory, yaml)
    } else {
      configPath = directory.appendingPathComponent("splicer.yaml").path
      try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }
    if let fdLimit {
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = [
        "-c", "ulimit -n \(fdLimit) && exec \"$0\" run --config \"$1\"", binary, configPath,
      ]
    } else if let tool = launcher.first {
      process.executableURL = URL(fileURLWithPath: tool)
      process.arguments = Array(launcher.dropFirst()) + [binary, "run", "--config", configPath]
    } else {
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = ["run", "--config", configPath] + arguments
    }
    // The service manager's and the upgrade's variables reach a relay only when the test
    // gives them: one left in this process's environment (by a test, or by a CI runner under
    // systemd) would change what the relay does (a stray WATCHDOG_PID turns its watchdog off).
    var base = copy?.environment ?? Self.currentEnvironment()
    for name in Self.processManagerVariables { base.removeValue(forKey: name) }
    process.environment = base.merging(environment) { _, new in new }
    let errorPipe = Pipe()
    process.standardError = errorPipe
    process.standardOutput = FileHandle.nullDevice
    let handle = errorPipe.fileHandleForReading
    try process.run()
    let reader = Thread { [unowned self] in self.readLines(handle) }
    reader.start()
    for name in listeners {
      guard let line = waitForLine(containing: "\"listener\":\"\(name)\"", and: "listener bound", timeoutSeconds: 30)
      else {
        stop()
        throw TestSocketError(call: "splicer did not bind \(name): \(allLines().joined(separator: "\n"))", code: 0)
      }
      ports[name] = Self.port(inLogLine: line)
    }
    // Start-up is over (and its transient descriptors closed) once this line is out.
    if !listeners.isEmpty && waitForLine(containing: "\"message\":\"splicer started\"", timeoutSeconds: 30) == nil {
      stop()
      throw TestSocketError(call: "splicer did not finish starting", code: 0)
    }
    if yaml.contains("admin:") {
      guard let line = waitForLine(containing: "\"message\":\"admin bound\"", timeoutSeconds: 30) else {
        stop()
        throw TestSocketError(call: "splicer did not bind its admin endpoint", code: 0)
      }
      ports["admin"] = Self.port(inLogLine: line)
    }
  }

  var pid: Int32 { process.processIdentifier }

  static let processManagerVariables = [
    "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
    "SPLICER_UPGRADE_FD", "SPLICER_UPGRADE_PID", "SPLICER_UPGRADE_FAULT",
  ]

  /// This process's environment as it is now, read from `environ`: Foundation's
  /// `ProcessInfo.environment` can hand back what it read once, which may be a variable a
  /// test set for a moment (a WATCHDOG_PID naming the test process would turn the relay's
  /// watchdog off).
  static func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
      let text = String(cString: pointer)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      entry += 1
    }
    return result
  }

  func port(_ listener: String = "test") -> UInt16 { ports[listener]! }

  /// The port of the `address` field of a log line.
  static func port(inLogLine line: String) -> UInt16 {
    guard let range = line.range(of: "\"address\":\"") else { return 0 }
    let rest = line[range.upperBound...]
    let address = rest.prefix { $0 != "\"" }
    return UInt16(address.split(separator: ":").last ?? "0") ?? 0
  }

  private func readLines(_ handle: FileHandle) {
    var pending = Data()
    while true {
      let chunk = handle.availableData
      if chunk.isEmpty { break }
      pending.append(chunk)
      while let newline = pending.firstIndex(of: 0x0A) {
        let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
        pending.removeSubrange(pending.startIndex...newline)
        lock.lock()
        lines.append(line)
        lock.broadcast()
        lock.unlock()
      }
    }
    lock.lock()
    ended = true
    lock.broadcast()
    lock.unlock()
  }

  func allLines() -> [String] {
    lock.lock()
    defer { lock.unlock() }
    return lines
  }

  /// Waits for a log line containing all the given fragments.
  @discardableResult
  func waitForLine(containing fragment: String, and other: String = "", timeoutSeconds: Double = 30) -> String? {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    var checked = 0
    while true {
      while checked < lines.count {
        let line = lines[checked]
        checked += 1
        if line.contains(fragment) && (other.isEmpty || line.contains(other)) { return line }
      }
      if ended || !lock.wait(until: deadline) { return nil }
    }
  }

  /// Waits until at least `count` access-log lines ("connection closed") were written.
  @discardableResult
  func waitForClosedConnections(_ count: Int, timeoutSeconds: Double = 30) -> [String] {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    while true {
      let closed = lines.filter { $0.contains("\"message\":\"connection closed\"") }
      if closed.count >= count || ended || !lock.wait(until: deadline) { return closed }
    }
  }

  /// Open descriptors of the relay process.
  func openDescriptors() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
  }

  /// What each descriptor is (`socket:[…]`, `pipe:[…]`), for failure messages.
  func describeDescriptors() -> String {
    let directory = "/proc/\(pid)/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { name in
      "\(name)=\((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)")) ?? "?")"
    }.joined(separator: " ")
  }

  /// Resident set size in KiB.
  func residentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
      return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
  }

  /// Replaces the config file (atomically), for a reload.
  func rewriteConfig(_ yaml: String) throws {
    try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
  }

  func send(_ signal: Int32) {
    kill(process.processIdentifier, signal)
  }

  /// Waits for the process to exit on its own; returns its status, nil on timeout.
  func waitForExit(timeoutSeconds: Double) -> Int32? {
    guard waitUntil(timeoutSeconds, { !process.isRunning }) != nil else { return nil }
    return process.terminationStatus
  }

  /// SIGTERM, then waits for exit; returns the exit status.
  @discardableResult
  func stop() -> Int32 {
    if process.isRunning {
      kill(process.processIdentifier, SIGTERM)
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: (configPath as NSString).deletingLastPathComponent)
    return process.terminationStatus
  }

  deinit { stop() }
}

/// Builds the YAML for a one-listener relay in front of the given backend ports.
enum TestConfig {
  static func yaml(
    servers: [UInt16], mode: String = "splice", workers: Int = 2, connectTimeout: String = "2s",
    idleTimeout: String = "60s", pipePool: Int = 0, retries: Int? = nil, extraServers: [String] = [],
    admin: Bool = false
  ) -> String {
    let serverLines = (servers.map { "127.0.0.1:\($0)" } + extraServers)
      .map { "        - address: \($0)" }.joined(separator: "\n")
    return """
      workers: \(workers)
      listeners:
        - name: test
          bind: 127.0.0.1:0
          pool: backends
          mode: \(mode)
      pools:
        backends:
      \(retries.map { "    retries: \($0)\n" } ?? "")    servers:
      \(serverLines)
      timeouts: { connect: \(connectTimeout), idle: \(idleTimeout) }
      tuning: { pipe_size: 1MiB, pipe_pool: \(pipePool), copy_buffer: 64KiB }
      log: { level: info, format: json, access_log: true }
      \(admin ? "admin: { bind: 127.0.0.1:0 }" : "")
      """
  }
}
