/// A message ready for the descriptor channel: what to encode, and the descriptors to send
/// beside it, in the order its references index them. The descriptors are borrowed: the
/// sender owns them until the upgrade commits.
public struct UpgradeOutgoing: Hashable, Sendable {
  public var message: UpgradeMessage
  public var descriptors: [Int32]

  public init(message: UpgradeMessage, descriptors: [Int32] = []) {
    self.message = message
    self.descriptors = descriptors
  }
}
