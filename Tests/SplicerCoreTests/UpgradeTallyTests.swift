import SplicerCore
import XCTest

/// The classes of `splicer_upgrades_total{outcome}`: a failure before the freeze is a
/// refusal, one after it a rollback, a commit followed by the new process's death its own.
final class UpgradeTallyTests: XCTestCase {
  func testFailuresAreClassedByTheStageTheyReached() {
    let table: [(UpgradeStage, UpgradeTally)] = [
      (.hello, .refused),
      (.runningConfig, .refused),
      (.listeners, .refused),
      (.readyForState, .refused),
      (.freeze, .rolledBack),
      (.workers, .rolledBack),
      (.snapshots, .rolledBack),
      (.prepared, .rolledBack),
      (.commit, .rolledBack),
      (.released, .rolledBack),
    ]
    for (stage, tally) in table {
      let failure = UpgradeFailure(UpgradeNotice(.aborted, "why"), stage: stage)
      XCTAssertEqual(UpgradeTally(failure), tally, stage.rawValue)
      XCTAssertEqual(UpgradeTally(.failed(failure)), tally, stage.rawValue)
    }
  }

  func testOutcomesAndLabels() {
    let failure = UpgradeFailure(UpgradeNotice(.aborted), stage: .commit)
    let table: [(UpgradeOutcome, UpgradeTally, String)] = [
      (.upgraded(newPID: 7), .upgraded, "upgraded"),
      (
        .failed(UpgradeFailure(UpgradeNotice(.configInvalid), stage: .runningConfig, byPeer: true)), .refused, "refused"
      ),
      (.failed(failure), .rolledBack, "rolled_back"),
      (.committedThenLost(failure), .failedAfterCommit, "failed_after_commit"),
    ]
    for (outcome, tally, label) in table {
      XCTAssertEqual(UpgradeTally(outcome), tally, label)
      XCTAssertEqual(UpgradeTally(outcome).label, label)
    }
    XCTAssertEqual(UpgradeTally.allCases.map(\.label), ["upgraded", "refused", "rolled_back", "failed_after_commit"])
  }
}
