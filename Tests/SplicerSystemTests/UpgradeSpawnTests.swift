import Foundation
import Glibc
import SplicerSystem
import XCTest

/// The spawn against the real kernel: binaries that cannot run report their errno from the
/// child, and a real child sees the channel, and nothing it should not, across the exec.
/// Every child is reaped before the test ends.
final class UpgradeSpawnTests: XCTestCase {
  private var directory = ""

  override func setUpWithError() throws {
    var template = Array("/tmp/splicer-spawn-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SyscallError(call: "mkdtemp", errno: errno) }
    directory = String(cString: made)
  }

  override func tearDown() {
    if let names = DirectoryEntries.names(in: directory) {
      for name in names { unlink(directory + "/" + name) }
    }
    rmdir(directory)
  }

  func testBuildsTheChildEnvironmentFromOurs() {
    let cases: [(inherited: [String], expected: [String])] = [
      ([], ["SPLICER_UPGRADE_FD=7", "SPLICER_UPGRADE_PID=42"]),
      (
        ["PATH=/usr/bin", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_USEC=30000000", "WATCHDOG_PID=42"],
        [
          "PATH=/usr/bin", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_USEC=30000000",
          "SPLICER_UPGRADE_FD=7", "SPLICER_UPGRADE_PID=42",
        ]
      ),
      (
        ["LISTEN_PID=42", "HOME=/", "LISTEN_FDS=1", "LISTEN_FDNAMES=web", "LANG=C"],
        ["HOME=/", "LANG=C", "SPLICER_UPGRADE_FD=7", "SPLICER_UPGRADE_PID=42"]
      ),
      // An earlier upgrade's variables are replaced, not repeated.
      (
        ["SPLICER_UPGRADE_FD=5", "SPLICER_UPGRADE_PID=41", "TERM=dumb"],
        ["TERM=dumb", "SPLICER_UPGRADE_FD=7", "SPLICER_UPGRADE_PID=42"]
      ),
      // Only whole names are removed; values with '=' and names without one are kept.
      (
        ["WATCHDOG_PIDS=1", "LISTEN_FDS_X=2", "OPTS=a=b", "ODD"],
        ["WATCHDOG_PIDS=1", "LISTEN_FDS_X=2", "OPTS=a=b", "ODD", "SPLICER_UPGRADE_FD=7", "SPLICER_UPGRADE_PID=42"]
      ),
    ]
    for (inherited, expected) in cases {
      XCTAssertEqual(
        UpgradeSpawn.environment(inheriting: inherited, channelFD: 7, parentID: 42), expected, "\(inherited)")
    }
  }

  func testAMissingBinaryReportsENOENT() {
    let path = directory + "/missing/splicer"
    let children = childProcesses()
    XCTAssertThrowsError(try spawn(path)) { error in
      XCTAssertEqual((error as? UpgradeSpawnError)?.reason, .child(.exec, errno: ENOENT), "\(error)")
      XCTAssertEqual((error as? UpgradeSpawnError)?.errno, ENOENT)
      XCTAssertTrue("\(error)".contains(path), "\(error)")
    }
    XCTAssertEqual(childProcesses().subtracting(children), [], "the failed child was reaped")
  }

  func testAFileWithoutExecutePermissionReportsEACCES() throws {
    let path = directory + "/splicer"
    try write("#!/bin/sh\nexit 0\n", to: path, mode: 0o644)
    let children = childProcesses()
    XCTAssertThrowsError(try spawn(path)) { error in
      XCTAssertEqual((error as? UpgradeSpawnError)?.reason, .child(.exec, errno: EACCES), "\(error)")
    }
    XCTAssertEqual(childProcesses().subtracting(children), [], "the failed child was reaped")
  }

  func testTheChildSeesTheChannelAndNotTheVariablesOfThisProcess() throws {
    try requireBash()
    let (ours, theirs) = try DescriptorChannel.makePair()
    defer { ours.close() }
    // Descriptors of this process that any other child would inherit, whoever opened them
    // without O_CLOEXEC: the new binary must not (a library's epoll descriptor passed on at
    // every upgrade would pile up).
    let inheritable = try openDescriptors().filter { $0 > 2 && fcntl($0, F_GETFD) & FD_CLOEXEC == 0 }
    let leaked = try Self.openInheritableDescriptor()
    defer { close(leaked) }
    let script = """
      printf 'fd=%s pid=%s watchdog=%s listen=%s,%s,%s\\n' "$SPLICER_UPGRADE_FD" "$SPLICER_UPGRADE_PID" \
        "${WATCHDOG_PID-unset}" "${LISTEN_PID-unset}" "${LISTEN_FDS-unset}" "${LISTEN_FDNAMES-unset}" \
        >&"$SPLICER_UPGRADE_FD"
      exec ls -l /proc/self/fd >&"$SPLICER_UPGRADE_FD"
      """
    let variables = [
      "WATCHDOG_PID": "\(getpid())", "LISTEN_PID": "\(getpid())", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web",
    ]
    let pid = try withEnvironment(variables) {
      try UpgradeSpawn.spawn(
        path: "/bin/bash", arguments: ["bash", "-c", script], channelFD: theirs.fd, carryBindCapability: false)
    }
    theirs.close()
    let output = Result { try readUntilEnd(ours) }
    XCTAssertEqual(try reap(pid), 0)
    let text = try output.get()

    let lines = text.split(separator: "\n")
    XCTAssertEqual(lines.first, "fd=\(theirs.fd) pid=\(getpid()) watchdog=unset listen=unset,unset,unset", text)
    // `ls -l` lines end in "<fd> -> <target>"; ls's own directory is under /proc.
    var open: [Int32: String] = [:]
    for line in lines where line.contains(" -> ") {
      let parts = line.components(separatedBy: " -> ")
      guard let number = parts[0].split(separator: " ").last.flatMap({ Int32($0) }) else { continue }
      if number > 2 && !parts[1].hasPrefix("/proc/") { open[number] = parts[1] }
    }
    XCTAssertEqual(Set(open.keys), [theirs.fd], "inheritable here: \(inheritable + [leaked])\n\(text)")
    XCTAssertTrue(open[theirs.fd]?.hasPrefix("socket:") == true, text)
  }

  func testCarriesTheBindCapabilityIntoTheChildWhenAsked() throws {
    try requireBash()
    guard try Capabilities.current().permitted.contains(.netBindService) else {
      throw XCTSkip("needs CAP_NET_BIND_SERVICE in the permitted set")
    }
    let (ours, theirs) = try DescriptorChannel.makePair()
    defer { ours.close() }
    let script = #"grep -E '^Cap(Inh|Amb):' /proc/self/status >&"$SPLICER_UPGRADE_FD""#
    for carry in [false, true] {
      let pid = try UpgradeSpawn.spawn(
        path: "/bin/bash", arguments: ["bash", "-c", script], channelFD: theirs.fd, carryBindCapability: carry)
      let message = Result { try ours.receive(deadline: MonotonicClock.now() + Duration.seconds(30).nanoseconds) }
      XCTAssertEqual(try reap(pid), 0)
      let status = String(decoding: try message.get().data, as: UTF8.self)
      let ambient = status.split(separator: "\n").first { $0.hasPrefix("CapAmb:") }
      let value = ambient.flatMap {
        UInt64($0.dropFirst("CapAmb:".count).trimmingCharacters(in: .whitespaces), radix: 16)
      }
      XCTAssertEqual(value.map { $0 & 0x400 != 0 }, carry, status)
    }
    theirs.close()
  }

  /// The child scripts need bash: dash redirects only descriptors 0 to 9.
  private func requireBash() throws {
    guard ExecutablePath.isExecutableFile("/bin/bash") else { throw XCTSkip("needs /bin/bash") }
  }

  private func spawn(_ path: String) throws -> pid_t {
    try UpgradeSpawn.spawn(path: path, arguments: [path], channelFD: -1, carryBindCapability: false)
  }

  /// Everything the child writes to the channel, up to its end.
  private func readUntilEnd(_ channel: DescriptorChannel) throws -> String {
    var bytes: [UInt8] = []
    let deadline = MonotonicClock.now() + Duration.seconds(30).nanoseconds
    while true {
      do {
        let message = try channel.receive(deadline: deadline)
        message.closeDescriptors()
        bytes += message.data
      } catch {
        if error.isEndOfStream { return String(decoding: bytes, as: UTF8.self) }
        throw error
      }
    }
  }

  /// Waits for the child and returns its exit status (-1 when it did not exit normally).
  private func reap(_ pid: pid_t) throws -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { throw SyscallError(call: "waitpid", errno: errno) }
    }
    return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
  }

  /// This process's children, zombies included (until reaped they stay in the list).
  private func childProcesses() -> Set<Int32> {
    var children = Set<Int32>()
    for task in DirectoryEntries.names(in: "/proc/self/task") ?? [] {
      guard let text = try? String(contentsOfFile: "/proc/self/task/\(task)/children", encoding: .utf8) else {
        continue
      }
      children.formUnion(text.split(separator: " ").compactMap { Int32($0) })
    }
    return children
  }

  private func openDescriptors() throws -> [Int32] {
    try XCTUnwrap(DirectoryEntries.names(in: "/proc/self/fd")).compactMap { Int32($0) }
  }

  private func write(_ text: String, to path: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    if fd < 0 { throw SyscallError(call: "open(\(path))", errno: errno) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    XCTAssertEqual(Glibc.write(fd, bytes, bytes.count), bytes.count)
    fchmod(fd, mode)
  }

  /// A descriptor opened without close-on-exec, as a library might.
  private static func openInheritableDescriptor() throws -> Int32 {
    let fd = open("/dev/null", O_RDONLY)
    guard fd >= 0 else { throw SyscallError(call: "open(/dev/null)", errno: errno) }
    return fd
  }
}
