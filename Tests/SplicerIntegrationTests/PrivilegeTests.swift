import Foundation
import Glibc
import SplicerTestSupport
import XCTest

/// Started as root on a port below 1024: the relay binds, becomes nobody:nogroup and keeps at
/// most CAP_NET_BIND_SERVICE, on every thread.
final class PrivilegeTests: RelayTestCase {
  /// A free port below 1024 (privileged), found by binding.
  private func freePrivilegedPort() throws -> UInt16 {
    for port in UInt16(600)...UInt16(1023) {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = TestSockets.loopback(port: port)
      let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      close(fd)
      if result == 0 { return port }
    }
    throw XCTSkip("no free port below 1024")
  }

  /// (Uid line, Gid line, CapEff, CapPrm) of every thread of `pid`.
  private func threadStatuses(_ pid: Int32) throws -> [(
    name: String, uid: String, gid: String, effective: String, permitted: String
  )] {
    let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
    return try tasks.map { task in
      let status = try String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)
      var fields: [String: String] = [:]
      for line in status.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
      }
      return (
        fields["Name"] ?? "", fields["Uid"] ?? "", fields["Gid"] ?? "", fields["CapEff"] ?? "", fields["CapPrm"] ?? ""
      )
    }
  }

  private func runPrivileged(keepBindCapability: Bool) throws {
    try XCTSkipUnless(geteuid() == 0, "needs root")
    let port = try freePrivilegedPort()
    let backend = try TestBackend()
    defer { backend.stop() }
    let yaml =
      TestConfig.yaml(servers: [backend.port], admin: true)
      .replacingOccurrences(of: "bind: 127.0.0.1:0\n    pool", with: "bind: 127.0.0.1:\(port)\n    pool")
      + "\nuser: nobody\ngroup: nogroup\nkeep_bind_capability: \(keepBindCapability)\n"
    // After the drop the relay is nobody, who may not be able to enter this clone's folder
    // (0700) or read the sanitizer suppression files in it (LeakSanitizer reads its file at
    // exit): it runs from a world-readable copy.
    let copy = try NobodyReadableCopy(executable: SplicerProcess.binaryPath)
    defer { copy.remove() }
    let relay = try SplicerProcess(yaml: yaml, copy: copy)
    defer { relay.stop() }
    XCTAssertEqual(relay.port(), port)
    try assertTransfers(
      [TransferSpec(requestLength: 50_000, responseLength: 50_000, seed: 1)], port: port, backend: backend)
    let nobody = "65534\t65534\t65534\t65534"
    let expected = keepBindCapability ? "0000000000000400" : "0000000000000000"
    let threads = try threadStatuses(relay.pid)
    // Main thread, one per worker, and the admin endpoint's NIO thread.
    XCTAssertGreaterThanOrEqual(threads.count, 4)
    for thread in threads {
      XCTAssertEqual(thread.uid, nobody, thread.name)
      XCTAssertEqual(thread.gid, nobody, thread.name)
      XCTAssertEqual(thread.effective, expected, "CapEff of \(thread.name)")
      XCTAssertEqual(thread.permitted, expected, "CapPrm of \(thread.name)")
    }
  }

  func testRootDropsToNobodyKeepingOnlyTheBindCapability() throws {
    try runPrivileged(keepBindCapability: true)
  }

  func testRootDropsToNobodyWithNoCapabilityLeft() throws {
    try runPrivileged(keepBindCapability: false)
  }

  func testUnprivilegedBindBelow1024SaysWhatItNeeds() throws {
    try XCTSkipUnless(geteuid() == 0, "needs root to become an unprivileged user for the test")
    let port = try freePrivilegedPort()
    let yaml = TestConfig.yaml(servers: [9]).replacingOccurrences(
      of: "bind: 127.0.0.1:0\n    pool", with: "bind: 127.0.0.1:\(port)\n    pool")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unpriv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = directory.appendingPathComponent("splicer.yaml").path
    try yaml.write(toFile: config, atomically: true, encoding: .utf8)
    chmod(directory.path, 0o755)
    chmod(config, 0o644)
    // setpriv drops to nobody with an empty capability set, as an unprivileged start would be.
    guard let setpriv = ExternalProcess.find("setpriv") else { throw XCTSkip("setpriv is not installed") }
    // nobody execs the binary: a world-readable copy, as this clone's folder may be 0700.
    let copy = try NobodyReadableCopy(executable: SplicerProcess.binaryPath)
    defer { copy.remove() }
    let options = NobodyReadableCopy.optionVariables.compactMap { name in
      copy.environment[name].map { "\(name)='\($0)' " }
    }.joined()
    let command =
      "\(options)\(setpriv) --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "
      + "\(copy.executable) run --config \(config) > \(directory.path)/out 2>&1"
    let (status, _) = try ExternalProcess.run("/bin/sh", ["-c", command])
    XCTAssertEqual(status, 1, "start-up must fail")
    let output = (try? String(contentsOfFile: "\(directory.path)/out", encoding: .utf8)) ?? ""
    XCTAssertTrue(output.contains("needs root or CAP_NET_BIND_SERVICE"), output)
  }
}
