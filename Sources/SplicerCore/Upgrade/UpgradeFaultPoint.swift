/// A point in `UpgradeReceiver` where a test can make the new process fail (design §13): the
/// receiver asks its fault hook at each one what to do.
public enum UpgradeFaultPoint: Hashable, Sendable {
  case beforeHello
  case afterRunningConfig
  case afterListeners
  /// Before acknowledging the n-th session or mirror batch (from 1).
  case batch(Int)
  case beforePrepared
  case afterPrepared
  /// `Commit` received, `Committed` not yet written.
  case beforeCommitted
  case afterCommitted
}
