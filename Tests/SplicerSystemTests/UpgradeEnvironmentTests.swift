import Glibc
import SplicerSystem
import XCTest

final class UpgradeEnvironmentTests: XCTestCase {
  func testTakesTheChannelOnlyFromItsParent() throws {
    let cases: [(environment: [String: String], fd: Int32?)] = [
      ([:], nil),
      (["SPLICER_UPGRADE_FD": "5"], nil),
      // Inherited from a process the channel was not for.
      (["SPLICER_UPGRADE_FD": "5", "SPLICER_UPGRADE_PID": "41"], nil),
      (["SPLICER_UPGRADE_PID": "42"], nil),
      (["SPLICER_UPGRADE_FD": "5", "SPLICER_UPGRADE_PID": "42"], 5),
      (["SPLICER_UPGRADE_FD": "1023", "SPLICER_UPGRADE_PID": "42"], 1023),
    ]
    for (environment, fd) in cases {
      XCTAssertEqual(try UpgradeEnvironment.parse(environment: environment, parentID: 42), fd, "\(environment)")
    }
  }

  func testRejectsValuesItCannotUse() {
    let cases: [(environment: [String: String], variable: String)] = [
      (["SPLICER_UPGRADE_FD": "5", "SPLICER_UPGRADE_PID": "x"], "SPLICER_UPGRADE_PID"),
      (["SPLICER_UPGRADE_FD": "5", "SPLICER_UPGRADE_PID": "0"], "SPLICER_UPGRADE_PID"),
      (["SPLICER_UPGRADE_FD": "5", "SPLICER_UPGRADE_PID": "-42"], "SPLICER_UPGRADE_PID"),
      (["SPLICER_UPGRADE_FD": "five", "SPLICER_UPGRADE_PID": "42"], "SPLICER_UPGRADE_FD"),
      (["SPLICER_UPGRADE_FD": "-1", "SPLICER_UPGRADE_PID": "42"], "SPLICER_UPGRADE_FD"),
      (["SPLICER_UPGRADE_FD": "1", "SPLICER_UPGRADE_PID": "42"], "SPLICER_UPGRADE_FD"),
      (["SPLICER_UPGRADE_FD": "", "SPLICER_UPGRADE_PID": "42"], "SPLICER_UPGRADE_FD"),
    ]
    for (environment, variable) in cases {
      XCTAssertThrowsError(try UpgradeEnvironment.parse(environment: environment, parentID: 42), "\(environment)") {
        XCTAssertEqual(($0 as? SystemdEnvironmentError)?.variable, variable, "\(environment)")
      }
    }
  }

  func testTakingUnsetsBothVariablesWhoeverTheyWereFor() throws {
    for parent in [getppid(), getppid() + 1] {
      let values = ["SPLICER_UPGRADE_FD": "9", "SPLICER_UPGRADE_PID": "\(parent)"]
      let fd = try withEnvironment(values) {
        let fd = try UpgradeEnvironment.takeChannelDescriptor()
        for name in UpgradeEnvironment.variables {
          XCTAssertNil(getenv(name), name)
        }
        return fd
      }
      XCTAssertEqual(fd, parent == getppid() ? 9 : nil)
    }
  }
}
