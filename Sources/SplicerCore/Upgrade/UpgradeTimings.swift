/// How long each stretch of a committed upgrade took on the old process's side, in monotonic
/// nanoseconds (`UpgradeCoordinator.timings`), for the `upgraded` log line.
///
/// The stretches follow each other: `freeze` (the workers reach their safe points and build
/// their records), `transfer` (the records go over, until `Prepared`), `commit` (from `Commit`
/// to reading `Committed`). `paused` is their sum: how long no session moved a byte, up to the
/// moment the new process owns them. The new process's accounting, its workers' registration
/// and their first turn come after it (5 to 23 ms in the scale runs).
public struct UpgradeTimings: Hashable, Sendable {
  public var freeze: UInt64 = 0
  public var transfer: UInt64 = 0
  public var commit: UInt64 = 0

  public init() {}

  public var paused: UInt64 { freeze &+ transfer &+ commit }
}
