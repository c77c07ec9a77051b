/// The old process's bounds on an upgrade (design §8.1), injectable so that tests run with
/// short ones.
public struct UpgradeTimeouts: Hashable, Sendable {
  /// From the start to `Prepared` (`timeouts.upgrade`).
  public var overall: Duration
  /// From the freeze to `Prepared`: how long relays may stay frozen.
  public var freeze: Duration
  /// Without a `BatchAck` while batches are outstanding.
  public var progress: Duration
  /// From `Commit` to `Committed`.
  public var commit: Duration
  /// For the last messages that need no answer (`Abort`, `Released`): a peer that does not
  /// read must not hold up a rollback.
  public var farewell: Duration

  public init(
    overall: Duration = .seconds(30), freeze: Duration? = nil, progress: Duration = .seconds(5),
    commit: Duration = .seconds(5), farewell: Duration = .seconds(1)
  ) {
    self.overall = overall
    self.freeze = freeze ?? min(overall, .seconds(10))
    self.progress = progress
    self.commit = commit
    self.farewell = farewell
  }
}
