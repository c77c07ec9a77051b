/// The line `splicer upgrade` prints and the status it exits with, for an answer (design
/// live-upgrade.md §10.3, step 5). Pure, so the wording and the codes are tested on a table.
///
/// Exit statuses: 0 upgraded; 1 the upgrade failed (or the target died); 3 no answer in time,
/// the upgrade may still be running; 2 is the command's usage errors, before anything is sent.
public struct UpgradeReport: Hashable, Sendable {
  public static let usageExitStatus: Int32 = 2

  public var line: String
  public var exitStatus: Int32
  /// Success goes to standard output, everything else to standard error.
  public var toStandardError: Bool

  public init(line: String, exitStatus: Int32, toStandardError: Bool) {
    self.line = line
    self.exitStatus = exitStatus
    self.toStandardError = toStandardError
  }

  /// `timeout` as the operator gave it (`60s`), for the no-answer line.
  public init(answer: UpgradeAnswer, pid: Int32, timeout: String) {
    switch answer {
    case .replied(.upgraded(let newPID)):
      self.init(line: "upgraded: pid \(pid) -> \(newPID)", exitStatus: 0, toStandardError: false)
    case .replied(let outcome):
      self.init(
        line: "upgrade failed: \(outcome.text); pid \(pid) still serving; see its log", exitStatus: 1,
        toStandardError: true)
    case .targetExited:
      self.init(
        line: "upgrade failed: pid \(pid) exited without answering; see its log", exitStatus: 1, toStandardError: true)
    case .noAnswer:
      // The upgrade may still be under way (a large state, a slow new config): say so rather
      // than guess, and let the log tell.
      self.init(
        line: "no answer within \(timeout); pid \(pid) may still be upgrading, see its log", exitStatus: 3,
        toStandardError: true)
    }
  }
}
