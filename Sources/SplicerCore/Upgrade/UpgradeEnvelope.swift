/// One decoded upgrade message with the header it came in.
public struct UpgradeEnvelope: Hashable, Sendable {
  public var header: UpgradeWireHeader
  public var message: UpgradeMessage

  public init(header: UpgradeWireHeader, message: UpgradeMessage) {
    self.header = header
    self.message = message
  }
}
