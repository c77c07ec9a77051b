/// How an upgrade ended for the old process (`UpgradeCoordinator.run`).
public enum UpgradeOutcome: Hashable, Sendable {
  /// The new process committed; the donor relinquished and released everything. The caller
  /// exits.
  case upgraded(newPID: Int32)
  /// Nothing moved: the child is stopped and reaped, and the donor resumed if it was frozen.
  case failed(UpgradeFailure)
  /// The new process wrote `Committed` but the old process read it only after stopping the
  /// child (design §3.3): the sessions may have lost bytes in the dead process, so the donor
  /// was not resumed. The caller closes them with reason `upgrade_failed`, resumes accepting
  /// and logs at critical.
  case committedThenLost(UpgradeFailure)
}
