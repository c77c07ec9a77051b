import Foundation
import XCTest

/// `systemd/splicer.service` stays a unit systemd accepts, and its system call filter keeps
/// allowing what the process does, the live upgrade's spawn and reply included (design
/// live-upgrade.md §10.1). Skipped where `systemd-analyze` is not installed.
final class SystemdUnitTests: XCTestCase {
  private static let unitPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("systemd/splicer.service").path

  private func analyzer() throws -> String {
    guard let path = ExternalProcess.find("systemd-analyze") else { throw XCTSkip("systemd-analyze is not installed") }
    return path
  }

  /// Runs `systemd-analyze` with stdout and stderr in one pipe.
  private func analyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try analyzer())
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  func testTheUnitVerifies() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-unit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    // verify wants the binary at the unit's path: point it at the one just built.
    let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
      .replacingOccurrences(of: "/usr/local/bin/splicer", with: SplicerProcess.binaryPath)
    let path = directory.appendingPathComponent("splicer.service").path
    try unit.write(toFile: path, atomically: true, encoding: .utf8)
    let result = try analyze(["verify", path])
    XCTAssertEqual(result.status, 0, result.output)
  }

  func testTheSystemCallFilterAllowsTheLiveUpgrade() throws {
    let allowed = try allowedSystemCalls()
    // The spawn (fork, the capability for the child, exec, the reap), the pidfd of the child,
    // the request and reply signals, and the notify hand-off's descriptor passing.
    let needed = [
      "clone", "clone3", "fork", "execve", "wait4", "waitid", "prctl", "capset", "pidfd_open", "rt_sigqueueinfo",
      "rt_sigtimedwait", "signalfd4", "kill", "sendmsg", "recvmsg", "socketpair",
      // And what every connection needs.
      "splice", "pipe2", "epoll_wait", "accept4", "sendfile", "eventfd2",
    ]
    for call in needed {
      XCTAssertTrue(allowed.contains(call), "\(call) is not allowed by the unit's SystemCallFilter=")
    }
    XCTAssertFalse(allowed.contains("setuid"), "@privileged stays denied")
  }

  /// The calls the unit's `SystemCallFilter=` lines allow, in systemd's order: the first
  /// list allows, a `~` list then takes away, a later plain list gives back.
  private func allowedSystemCalls() throws -> Set<String> {
    let unit = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
    var allowed: Set<String> = []
    for line in unit.split(separator: "\n") where line.hasPrefix("SystemCallFilter=") {
      var value = line.dropFirst("SystemCallFilter=".count)
      let denying = value.hasPrefix("~")
      if denying { value = value.dropFirst() }
      var calls: Set<String> = []
      for item in value.split(separator: " ") { calls.formUnion(try expand(String(item))) }
      if denying { allowed.subtract(calls) } else { allowed.formUnion(calls) }
    }
    XCTAssertFalse(allowed.isEmpty, "no SystemCallFilter= in \(Self.unitPath)")
    return allowed
  }

  /// A call, or a group's calls with its nested groups expanded.
  private func expand(_ item: String) throws -> Set<String> {
    guard item.hasPrefix("@") else { return [item] }
    let result = try analyze(["syscall-filter", item])
    XCTAssertEqual(result.status, 0, result.output)
    var calls: Set<String> = []
    // The first line names the group; members are indented, comments start with '#'.
    for line in result.output.split(separator: "\n") where line.hasPrefix(" ") {
      let member = line.trimmingCharacters(in: .whitespaces)
      if member.isEmpty || member.hasPrefix("#") { continue }
      calls.formUnion(try expand(member))
    }
    return calls
  }
}
