/// The 20 bytes in front of every upgrade message (design §4.1).
public struct UpgradeWireHeader: Hashable, Sendable {
  /// The agreed wire version; 0 in `Hello` and `Refuse`.
  public var version: UInt16
  public var type: UpgradeMessageType
  /// Per sender, from 0.
  public var sequence: UInt32
  public var payloadLength: UInt32
  /// Must equal the number of descriptors received with the message.
  public var descriptorCount: UInt16

  public init(
    version: UInt16, type: UpgradeMessageType, sequence: UInt32, payloadLength: UInt32, descriptorCount: UInt16
  ) {
    self.version = version
    self.type = type
    self.sequence = sequence
    self.payloadLength = payloadLength
    self.descriptorCount = descriptorCount
  }
}
