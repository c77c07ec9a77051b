import Glibc
import SplicerCore
import SplicerSystem
import XCTest

/// `splicer upgrade`'s checks of the pid it was given, on tables of /proc contents.
final class UpgradeTargetTests: XCTestCase {
  private static func status(uid: UInt32, gid: UInt32) -> ProcessStatus {
    ProcessStatus(
      parsing: """
        Name:\tsplicer
        Uid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)
        Gid:\t\(gid)\t\(gid)\t\(gid)\t\(gid)
        Groups:\t
        Threads:\t3
        CapInh:\t0000000000000000
        CapPrm:\t0000000000000000
        CapEff:\t0000000000000000
        CapBnd:\t0000000000000400
        CapAmb:\t0000000000000000
        """)!
  }

  private static let usr2: UInt64 = 1 << (UInt64(SIGUSR2) - 1)

  private static func description(
    command: String, executable: String?, uid: UInt32 = 998, gid: UInt32 = 997, handled: UInt64 = usr2
  ) -> ProcessDescription {
    ProcessDescription(
      command: command, executable: executable, status: status(uid: uid, gid: gid), handledSignals: handled)
  }

  func testAcceptsASplicerByCommandNameOrExecutable() {
    let cases: [(command: String, executable: String?, accepted: Bool)] = [
      ("splicer", "/usr/local/bin/splicer", true),
      // Another user's exe link cannot be read.
      ("splicer", nil, true),
      // The binary was replaced on disk (an upgrade installs the new one at the same path).
      ("splicer", "/usr/local/bin/splicer (deleted)", true),
      // The main thread renamed itself; the executable still says.
      ("main", "/opt/splicer/bin/splicer", true),
      ("main", "/opt/splicer/bin/splicer (deleted)", true),
      ("nginx", "/usr/sbin/nginx", false),
      ("nginx", nil, false),
      ("splicer-w0", "/usr/bin/python3.11", false),
      ("bash", "/tmp/splicer/bash", false),
      ("main", "/usr/local/bin/splicer-old", false),
      ("", nil, false),
    ]
    for (command, executable, accepted) in cases {
      let description = Self.description(command: command, executable: executable)
      do {
        let target = try UpgradeTarget.check(pid: 1234, description: description)
        XCTAssertTrue(accepted, "\(command) \(executable ?? "-") was accepted")
        XCTAssertEqual(target, UpgradeTarget(pid: 1234, uid: 998, gid: 997))
      } catch {
        XCTAssertFalse(accepted, "\(command) \(executable ?? "-"): \(error)")
        XCTAssertEqual(error, .notSplicer(pid: 1234, command: command, executable: executable))
      }
    }
  }

  func testRefusesASplicerThatWouldDieOfTheRequest() {
    let handledCases: [(handled: UInt64, accepted: Bool)] = [
      (0, false),
      (1 << (UInt64(SIGUSR1) - 1), false),
      (Self.usr2, true),
      (Self.usr2 | 1 << (UInt64(SIGHUP) - 1), true),
    ]
    for (handled, accepted) in handledCases {
      let description = Self.description(command: "splicer", executable: nil, handled: handled)
      do {
        let target = try UpgradeTarget.check(pid: 9, description: description)
        XCTAssertTrue(accepted, String(handled, radix: 16))
        XCTAssertEqual(target, UpgradeTarget(pid: 9, uid: 998, gid: 997))
      } catch {
        XCTAssertFalse(accepted, String(handled, radix: 16))
        XCTAssertEqual(error, .requestNotHandled(pid: 9))
      }
    }
  }

  func testOnlyARootCallerTakesTheTargetsIdentity() {
    let cases: [(caller: UInt32, target: UInt32, takes: Bool)] = [
      (0, 998, true),
      (0, 0, false),
      (998, 998, false),
      (1000, 998, false),
    ]
    for (caller, targetUID, takes) in cases {
      let target = UpgradeTarget(pid: 1, uid: targetUID, gid: 61_234)
      let identity = target.identityToTake(callerEffectiveUID: caller)
      XCTAssertEqual(
        identity, takes ? UserIdentity(user: "\(targetUID)", uid: targetUID, group: "61234", gid: 61_234) : nil,
        "caller \(caller), target \(targetUID)")
    }
  }

  func testErrorsSayWhatWasFound() {
    let cases: [(UpgradeTargetError, String)] = [
      (.notRunning(pid: 5), "no process with pid 5"),
      (
        .notSplicer(pid: 5, command: "nginx", executable: "/usr/sbin/nginx"),
        "pid 5 is not splicer (/usr/sbin/nginx, command name 'nginx')"
      ),
      (.notSplicer(pid: 5, command: "nginx", executable: nil), "pid 5 is not splicer (command name 'nginx')"),
      (
        .requestNotHandled(pid: 5),
        "pid 5 does not handle SIGUSR2 (no live upgrade in its version): the signal would stop it, so it was not sent"
      ),
      (
        UpgradeTargetError(pid: 5, reading: SyscallError(call: "open(/proc/5/comm)", errno: ENOENT)),
        "no process with pid 5"
      ),
    ]
    for (error, text) in cases {
      XCTAssertEqual(error.description, text)
    }
    XCTAssertEqual(
      UpgradeTargetError(pid: 5, reading: SyscallError(call: "open(/proc/5/comm)", errno: EACCES)),
      .unreadable(pid: 5, SyscallError(call: "open(/proc/5/comm)", errno: EACCES)))
  }
}
