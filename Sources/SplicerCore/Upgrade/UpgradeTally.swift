/// The classes of `splicer_upgrades_total{outcome}` (design §12): how a live upgrade ended, as
/// the process that goes on serving counts it. Pure, so that the classing has a table of its
/// own in the tests.
///
/// `upgraded` is counted by the new process once it has written `Committed`, on top of the
/// count the old one carried over; the failures are counted by the old process, which goes
/// on serving (and carries them to its successor in turn).
public enum UpgradeTally: String, CaseIterable, Hashable, Sendable {
  /// The handover committed: this process took over from the one before.
  case upgraded
  /// Stopped before the freeze: the new binary could not be started, refused (its config,
  /// the wire version, the boot or user, its descriptor limit), was not understood or died,
  /// or a stop signal came first. No connection paused.
  case refused
  /// Stopped after the freeze began and before the commit: every session was resumed where
  /// it stopped, in the old process.
  case rolledBack = "rolled_back"
  /// The new process committed and then died before the old one could tell (design §3.3):
  /// the old process reset the moved sessions and serves on.
  case failedAfterCommit = "failed_after_commit"

  /// The class of a failure before the commit, by the stage it reached.
  public init(_ failure: UpgradeFailure) {
    switch failure.stage {
    case .hello, .runningConfig, .listeners, .readyForState: self = .refused
    case .freeze, .workers, .snapshots, .prepared, .commit, .released: self = .rolledBack
    }
  }

  /// The class of the coordinator's outcome.
  public init(_ outcome: UpgradeOutcome) {
    switch outcome {
    case .upgraded: self = .upgraded
    case .failed(let failure): self.init(failure)
    case .committedThenLost: self = .failedAfterCommit
    }
  }

  /// The `outcome` label.
  public var label: String { rawValue }
}
