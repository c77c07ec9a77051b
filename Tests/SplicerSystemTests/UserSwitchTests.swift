import Glibc
import SplicerSystem
import XCTest

/// Name resolution and the refusals; the switch itself runs in a child process
/// (PrivilegeDropProcessTests) so that the test process keeps its identity.
final class UserSwitchTests: XCTestCase {
  func testResolvesNamesAndNumbers() throws {
    // Debian's base-passwd: root 0:0, nobody 65534 with primary group nogroup 65534.
    let cases: [(user: String, group: String?, identity: UserIdentity)] = [
      ("root", nil, UserIdentity(user: "root", uid: 0, group: "root", gid: 0)),
      ("nobody", nil, UserIdentity(user: "nobody", uid: 65_534, group: "nogroup", gid: 65_534)),
      ("nobody", "nogroup", UserIdentity(user: "nobody", uid: 65_534, group: "nogroup", gid: 65_534)),
      ("nobody", "root", UserIdentity(user: "nobody", uid: 65_534, group: "root", gid: 0)),
      ("65534", nil, UserIdentity(user: "nobody", uid: 65_534, group: "nogroup", gid: 65_534)),
      ("nobody", "0", UserIdentity(user: "nobody", uid: 65_534, group: "root", gid: 0)),
      // Numbers without an entry, as containers often use.
      ("40000", "40001", UserIdentity(user: "40000", uid: 40_000, group: "40001", gid: 40_001)),
    ]
    for (user, group, identity) in cases {
      XCTAssertEqual(try UserSwitch.resolve(user: user, group: group), identity, "\(user):\(group ?? "-")")
    }
  }

  func testNamesWhatDoesNotExist() {
    let cases: [(user: String, group: String?, message: String)] = [
      ("splicer-no-such-user", nil, "user 'splicer-no-such-user' does not exist (no passwd entry)"),
      ("nobody", "splicer-no-such-group", "group 'splicer-no-such-group' does not exist (no group entry)"),
      ("40000", nil, "user '40000' has no passwd entry, so it has no primary group: set group as well"),
    ]
    for (user, group, message) in cases {
      XCTAssertThrowsError(try UserSwitch.resolve(user: user, group: group)) {
        XCTAssertEqual("\($0)", message)
      }
    }
  }

  func testDescribesAnIdentity() {
    XCTAssertEqual(
      UserIdentity(user: "splicer", uid: 999, group: "splicer", gid: 998).description, "splicer(999):splicer(998)")
  }

  func testRefusesToSwitchWhileOtherThreadsRun() throws {
    let nobody = try UserSwitch.resolve(user: "nobody")
    try withExtraThread {
      XCTAssertThrowsError(try UserSwitch.switchIdentity(to: nobody)) {
        guard case .multipleThreads = ($0 as? PrivilegeError)?.reason else { return XCTFail("\($0)") }
      }
      XCTAssertThrowsError(try PrivilegeDrop.run(switchingTo: nobody, keeping: .netBindService))
      XCTAssertEqual(try ProcessStatus.currentThread().uids, Array(repeating: getuid(), count: 4))
    }
  }
}
