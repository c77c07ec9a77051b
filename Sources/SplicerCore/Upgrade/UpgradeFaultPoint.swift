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
  /// The proxy's start prepared (its threads made) after the listeners arrived; asked by
  /// the executable's recipient, not by the receiver, and only `fail` acts there.
  case start
  case afterCommitted
}
