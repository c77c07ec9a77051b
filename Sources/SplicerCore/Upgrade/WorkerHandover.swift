/// What one old worker hands over at its safe point (design §6.2): its sessions and mirrors as
/// records, each with the descriptors its references index (`DescriptorBatcher.Item`), and the
/// instant every age and remaining time in them counts from.
///
/// Made by the worker's snapshot on the old side; the descriptors stay owned by the old
/// process until the upgrade commits (then `UpgradeDonor.relinquish` closes its copies).
public struct WorkerHandover: Sendable {
  public var worker: Int
  /// The worker's monotonic clock at its safe point.
  public var freezeInstant: UInt64
  public var sessions: [DescriptorBatcher.Item<SessionRecord>]
  public var mirrors: [DescriptorBatcher.Item<MirrorRecord>]

  public init(
    worker: Int, freezeInstant: UInt64, sessions: [DescriptorBatcher.Item<SessionRecord>],
    mirrors: [DescriptorBatcher.Item<MirrorRecord>]
  ) {
    self.worker = worker
    self.freezeInstant = freezeInstant
    self.sessions = sessions
    self.mirrors = mirrors
  }
}
