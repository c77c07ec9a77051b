import SplicerCore
import XCTest

/// The reply codes of `splicer upgrade` (design live-upgrade.md §10.3): a contract between
/// binaries of different versions, so the table pins every code.
final class UpgradeReplyTests: XCTestCase {
  static let table: [(outcome: UpgradeReply, code: Int32, text: String)] = [
    (.upgraded(newPID: 5678), 5678, "upgraded to pid 5678"),
    (.upgraded(newPID: 1), 1, "upgraded to pid 1"),
    (.upgraded(newPID: Int32.max), Int32.max, "upgraded to pid \(Int32.max)"),
    (.binaryNotExecutable, -1, "the new binary could not be executed"),
    (.configRejected, -2, "the new binary rejected the config file"),
    (.incompatibleVersion, -3, "the two binaries share no handover version"),
    (.runningConfigUnreadable, -4, "the new binary could not read the running config"),
    (.reloadFailed, -5, "the new config could not be applied"),
    (.descriptorLimit, -6, "the new process's descriptor limit is too low"),
    (.peerMismatch, -7, "the new process runs on another boot or as another user"),
    (.adoptionFailed, -8, "the new process refused the state it was sent"),
    (.timedOut, -9, "timed out"),
    (.newProcessDied, -10, "the new process died"),
    (.abortedBySignal, -11, "aborted by SIGTERM or SIGINT"),
    (.alreadyInProgress, -12, "another upgrade is in progress"),
    (.startFailed, -13, "the new process could not start"),
    (.unrecognized(0), 0, "unknown reply code 0"),
    (.unrecognized(-14), -14, "unknown reply code -14"),
    (.unrecognized(Int32.min), Int32.min, "unknown reply code \(Int32.min)"),
  ]

  func testEveryOutcomeHasItsCodeAndText() {
    for (outcome, code, text) in Self.table {
      XCTAssertEqual(outcome.code, code, "\(outcome)")
      XCTAssertEqual(UpgradeReply(code: code), outcome, "\(code)")
      XCTAssertEqual(outcome.text, text, "\(outcome)")
    }
  }

  func testEveryCodeFromMinusSixteenToSixteenRoundTrips() {
    var seenFailures: Set<UpgradeReply> = []
    for code in Int32(-16)...16 {
      let outcome = UpgradeReply(code: code)
      XCTAssertEqual(outcome.code, code)
      if code < 0, case .unrecognized = outcome {
      } else if code < 0 {
        XCTAssertTrue(seenFailures.insert(outcome).inserted, "\(outcome) has one code")
      }
    }
    XCTAssertEqual(seenFailures.count, 13)
  }

  func testRefusalsMapToTheirOutcome() {
    let cases: [(UpgradeRefusal, UpgradeReply)] = [
      (.incompatibleVersion, .incompatibleVersion),
      (.configInvalid, .configRejected),
      (.runningConfigUnreadable, .runningConfigUnreadable),
      (.reloadFailed, .reloadFailed),
      (.descriptorLimit, .descriptorLimit),
      (.bootMismatch, .peerMismatch),
      (.uidMismatch, .peerMismatch),
      (.recordInvalid, .adoptionFailed),
      (.descriptorsTruncated, .adoptionFailed),
      (.timedOut, .timedOut),
      (.aborted, .abortedBySignal),
      (.startFailed, .startFailed),
    ]
    XCTAssertEqual(cases.count, UpgradeRefusal.allCases.count, "every refusal is in the table")
    for (refusal, outcome) in cases {
      XCTAssertEqual(UpgradeReply(refusal), outcome, "\(refusal)")
    }
  }

  func testTheSignalsOfTheExchange() {
    XCTAssertEqual(UpgradeReply.requestSignal, SIGUSR2)
    XCTAssertEqual(UpgradeReply.replySignal, __libc_current_sigrtmin() + 2)
  }
}
