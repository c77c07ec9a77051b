/// Where the new process's time went in a committed upgrade, in monotonic nanoseconds
/// (`UpgradeReceiver.timings`), for its `splicer started` log line: `staging` sums the
/// validation and building of every received batch (while the old process keeps sending),
/// `commit` is the putting in place of every session and the launch of the threads, after
/// `Committed` was written and before the workers' first turn.
public struct AdoptionTimings: Hashable, Sendable {
  public var staging: UInt64 = 0
  public var commit: UInt64 = 0

  public init() {}
}
