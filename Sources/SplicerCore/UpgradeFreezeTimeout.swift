/// A worker did not reach its safe point within the freeze's bound (a stuck loop): the
/// workers that froze were resumed, and the upgrade fails before anything was sent.
public struct UpgradeFreezeTimeout: Error, Equatable, CustomStringConvertible {
  /// How many of the workers had frozen.
  public let frozen: Int
  public let workers: Int

  public var description: String { "\(frozen) of \(workers) workers froze in time" }
}
