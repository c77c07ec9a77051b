import Foundation
import Glibc
import SplicerTestSupport
import XCTest

@testable import SplicerSystem

/// The privilege drop as root, each run in a child process so the test process keeps its own
/// uid and capabilities.
///
/// The child is an XCTest process with several threads of its own, so it calls the internal
/// `requiringSingleThread: false` variant and checks the calling thread; the other threads
/// show why the public API refuses to run in that situation.
final class PrivilegeDropProcessTests: XCTestCase {
  static let role = "privilege-drop"

  func testSwitchesToNobodyKeepingOnlyTheBindCapability() throws {
    try runChild(user: "nobody", keep: "cap_net_bind_service")
  }

  func testSwitchesToNobodyKeepingNothing() throws {
    try runChild(user: "nobody", keep: "")
  }

  func testDropsCapabilitiesWithoutSwitchingUser() throws {
    try runChild(user: "", keep: "")
  }

  private func runChild(user: String, keep: String) throws {
    let state = try Capabilities.current()
    guard geteuid() == 0, state.effective.isSuperset(of: [.setUID, .setGID, .setPCap]) else {
      throw XCTSkip("needs root with CAP_SETUID, CAP_SETGID and CAP_SETPCAP")
    }
    // The child becomes nobody, who may not be able to enter the folder of this clone (0700)
    // or read the sanitizer suppression files in it: it runs from a world-readable copy.
    let copy = try NobodyReadableCopy(executable: ChildTestProcess.bundlePath)
    defer { copy.remove() }
    let child = try ChildTestProcess(
      role: Self.role, test: "PrivilegeDropProcessTests/testChildDropsPrivileges",
      environment: ["SPLICER_TEST_USER": user, "SPLICER_TEST_KEEP": keep], copy: copy)
    let status = child.finish()
    XCTAssertEqual(status, 0, child.transcript)
    XCTAssertTrue(child.ranOneTestWithoutFailure, child.transcript)
  }

  /// The child side; skipped unless started by one of the tests above.
  func testChildDropsPrivileges() throws {
    try ChildTestProcess.skipUnlessRole(Self.role)
    let environment = ProcessInfo.processInfo.environment
    let userName = environment["SPLICER_TEST_USER"] ?? ""
    let keep = CapabilitySet(name: environment["SPLICER_TEST_KEEP"] ?? "") ?? []
    let identity = userName.isEmpty ? nil : try UserSwitch.resolve(user: userName)
    let boundingBefore = try Capabilities.current().bounding

    let after = try PrivilegeDrop.run(switchingTo: identity, keeping: keep, requiringSingleThread: false)

    let expectedUID = identity?.uid ?? 0
    let expectedGID = identity?.gid ?? 0
    let status = try ProcessStatus.currentThread()
    XCTAssertEqual(status.uids, Array(repeating: expectedUID, count: 4), "real, effective, saved, fs uid")
    XCTAssertEqual(status.gids, Array(repeating: expectedGID, count: 4), "real, effective, saved, fs gid")
    if identity != nil { XCTAssertEqual(status.groups, []) }
    XCTAssertEqual(status.effective, keep)
    XCTAssertEqual(status.permitted, keep)
    XCTAssertEqual(status.inheritable, [])
    XCTAssertEqual(status.ambient, [])
    XCTAssertEqual(status.bounding, keep)
    XCTAssertEqual(after.effective, keep)
    XCTAssertEqual(after.bounding, keep)
    XCTAssertFalse(try Capabilities.keepsCapabilitiesAcrossUserSwitch())

    // Binding below 1024 works exactly when CAP_NET_BIND_SERVICE was kept.
    switch bindPrivilegedPort() {
    case .success(let port): XCTAssertTrue(keep.contains(.netBindService), "bound privileged port \(port)")
    case .failure(let error):
      XCTAssertFalse(keep.contains(.netBindService), "\(error)")
      XCTAssertEqual(error.errno, EACCES, "\(error)")
    }

    if let identity {
      // No way back to root.
      XCTAssertThrowsError(
        try UserSwitch.switchIdentity(
          to: UserIdentity(user: "root", uid: 0, group: "root", gid: 0),
          requiringSingleThread: false)
      ) {
        XCTAssertEqual(($0 as? PrivilegeError)?.reason, .needsRoot(euid: identity.uid))
      }
      XCTAssertNotEqual(setuid(0), 0)
      // glibc applies set*id to every thread, but capability sets stay per thread: the threads
      // XCTest started before the drop still have the old bounding set. That is why the public
      // API insists on a single thread.
      for (tid, other) in try ProcessStatus.allThreads() where tid != splicerTestGettid() {
        XCTAssertEqual(other.uids, Array(repeating: identity.uid, count: 4), "thread \(tid)")
        XCTAssertEqual(other.bounding, boundingBefore, "thread \(tid)")
      }
    }
  }

  private func bindPrivilegedPort() -> Result<UInt16, SyscallError> {
    var lastError = SyscallError(call: "bind", errno: EADDRINUSE)
    for port in stride(from: UInt16(1023), through: 1000, by: -1) {
      do {
        let fd = try Socket.listen(on: SocketAddress(ip: "127.0.0.1", port: port)!, reusePort: false, backlog: 1)
        close(fd)
        return .success(port)
      } catch {
        if error.errno != EADDRINUSE { return .failure(error) }
        lastError = error
      }
    }
    return .failure(lastError)
  }
}

/// The calling thread's id, read from /proc/thread-self (a link to /proc/<pid>/task/<tid>).
private func splicerTestGettid() -> Int32 {
  let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
  return Int32(target.split(separator: "/").last ?? "") ?? -1
}
