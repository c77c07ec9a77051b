/// Where the new process's time went in a committed upgrade, in monotonic nanoseconds
/// (`UpgradeReceiver.timings`), for its `splicer started` log line: `staging` sums the
/// validation and building of every received session and mirror batch (while the old
/// process keeps sending), `commit` is what the main thread does after `Committed` was
/// written: the shared counts of every adopted session, the launch of the threads (whose
/// workers then register their sessions and turn), the pending reload and the admin
/// endpoint.
public struct AdoptionTimings: Hashable, Sendable {
  public var staging: UInt64 = 0
  public var commit: UInt64 = 0

  public init() {}
}
