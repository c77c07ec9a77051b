import SplicerCore
import XCTest

/// What `splicer upgrade` prints and exits with, for every kind of answer.
final class UpgradeReportTests: XCTestCase {
  func testEachAnswerHasItsLineAndExitStatus() {
    let cases: [(answer: UpgradeAnswer, line: String, status: Int32, toStandardError: Bool)] = [
      (.replied(.upgraded(newPID: 5678)), "upgraded: pid 1234 -> 5678", 0, false),
      (
        .replied(.configRejected),
        "upgrade failed: the new binary rejected the config file; pid 1234 still serving; see its log", 1, true
      ),
      (.replied(.timedOut), "upgrade failed: timed out; pid 1234 still serving; see its log", 1, true),
      (
        .replied(.binaryNotExecutable),
        "upgrade failed: the new binary could not be executed; pid 1234 still serving; see its log", 1, true
      ),
      (
        .replied(.alreadyInProgress),
        "upgrade failed: another upgrade is in progress; pid 1234 still serving; see its log", 1, true
      ),
      (
        .replied(.unrecognized(-40)), "upgrade failed: unknown reply code -40; pid 1234 still serving; see its log",
        1, true
      ),
      (.targetExited, "upgrade failed: pid 1234 exited without answering; see its log", 1, true),
      (.noAnswer, "no answer within 60s; pid 1234 may still be upgrading, see its log", 3, true),
    ]
    for (answer, line, status, toStandardError) in cases {
      let report = UpgradeReport(answer: answer, pid: 1234, timeout: "60s")
      XCTAssertEqual(
        report, UpgradeReport(line: line, exitStatus: status, toStandardError: toStandardError), "\(answer)")
    }
  }

  func testNoAnswerQuotesTheTimeoutAsGiven() {
    XCTAssertEqual(
      UpgradeReport(answer: .noAnswer, pid: 7, timeout: "1m30s").line,
      "no answer within 1m30s; pid 7 may still be upgrading, see its log")
  }

  func testUsageErrorsHaveTheirOwnStatus() {
    XCTAssertEqual(UpgradeReport.usageExitStatus, 2)
  }
}
