import Foundation
import Glibc
import SplicerSystem
import XCTest

/// What can be checked without changing the test process's own privileges; the drops
/// themselves run in a child process (PrivilegeDropProcessTests).
final class CapabilitiesTests: XCTestCase {
  func testSetsUseTheKernelsBitLayoutAndNames() {
    XCTAssertEqual(CapabilitySet.netBindService.rawValue, 0x400)
    XCTAssertEqual(CapabilitySet(rawValue: 0x400), .netBindService)
    XCTAssertEqual(CapabilitySet.netBindService.description, "CAP_NET_BIND_SERVICE")
    XCTAssertEqual(
      CapabilitySet([.setGID, .setUID, .netBindService]).description, "CAP_SETGID CAP_SETUID CAP_NET_BIND_SERVICE")
    XCTAssertEqual(CapabilitySet([.setGID, .setUID]).numbers, [6, 7])
    XCTAssertEqual(CapabilitySet().description, "none")
    XCTAssertEqual(CapabilitySet(name: "cap_net_bind_service"), .netBindService)
    XCTAssertEqual(CapabilitySet(name: "CAP_SYS_ADMIN"), .sysAdmin)
    XCTAssertNil(CapabilitySet(name: "cap_fly"))
  }

  func testAllIsEveryCapabilityTheKernelKnows() throws {
    let lastText = try String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8)
    let last = try XCTUnwrap(Int32(lastText.trimmingCharacters(in: .whitespacesAndNewlines)))
    XCTAssertEqual(CapabilitySet.all.numbers, Array(0...last))
  }

  func testReadsTheSameSetsAsProc() throws {
    let state = try Capabilities.current()
    let status = try ProcessStatus.currentThread()
    XCTAssertEqual(state.effective, status.effective)
    XCTAssertEqual(state.permitted, status.permitted)
    XCTAssertEqual(state.inheritable, status.inheritable)
    XCTAssertEqual(state.bounding, status.bounding)
    XCTAssertEqual(state.ambient, status.ambient)
  }

  func testDescribesAStateOnOneLogLine() {
    let state = CapabilityState(
      effective: .netBindService, permitted: .netBindService, inheritable: [], bounding: .all,
      ambient: [])
    XCTAssertEqual(
      state.description,
      "effective=CAP_NET_BIND_SERVICE permitted=CAP_NET_BIND_SERVICE inheritable=none bounding=all ambient=none")
  }

  func testTogglesKeepCapabilitiesOnTheCallingThread() throws {
    // PR_SET_KEEPCAPS only matters when the uid changes, which this test never does.
    let before = try Capabilities.keepsCapabilitiesAcrossUserSwitch()
    defer { try? Capabilities.keepCapabilitiesAcrossUserSwitch(before) }
    try Capabilities.keepCapabilitiesAcrossUserSwitch(true)
    XCTAssertTrue(try Capabilities.keepsCapabilitiesAcrossUserSwitch())
    try Capabilities.keepCapabilitiesAcrossUserSwitch(false)
    XCTAssertFalse(try Capabilities.keepsCapabilitiesAcrossUserSwitch())
  }

  func testRefusesToDropWhileOtherThreadsRun() throws {
    try withExtraThread {
      let before = try Capabilities.current()
      XCTAssertThrowsError(try Capabilities.dropAll(keeping: .netBindService)) {
        guard case .multipleThreads(let count) = ($0 as? PrivilegeError)?.reason else {
          return XCTFail("\($0)")
        }
        XCTAssertGreaterThan(count, 1)
        XCTAssertTrue("\($0)".contains("other threads would keep the old uid and capabilities"), "\($0)")
      }
      XCTAssertThrowsError(try PrivilegeDrop.run(switchingTo: nil, keeping: []))
      XCTAssertEqual(try Capabilities.current(), before)
    }
  }
}

/// Runs `body` while one more thread exists, so that the process surely has several threads.
func withExtraThread<T>(_ body: () throws -> T) rethrows -> T {
  var fds: [Int32] = [-1, -1]
  precondition(pipe(&fds) == 0)
  let readEnd = fds[0]
  let thread = try! Threads.start(name: "test-extra") {
    var byte: UInt8 = 0
    _ = read(readEnd, &byte, 1)
  }
  defer {
    close(fds[1])
    Threads.join(thread)
    close(readEnd)
  }
  return try body()
}
