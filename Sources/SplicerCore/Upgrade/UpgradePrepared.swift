/// `Prepared`: everything was received, validated and built in the new process; from here on
/// only a crash can fail it (design §3.3).
public struct UpgradePrepared: Hashable, Sendable {
  public var sessions: UInt32
  public var mirrors: UInt32
  public var listeners: UInt32
  public var descriptors: UInt32
  /// CRC32 over every record received.
  public var recordsCRC: UInt32

  public init(sessions: UInt32, mirrors: UInt32, listeners: UInt32, descriptors: UInt32, recordsCRC: UInt32) {
    self.sessions = sessions
    self.mirrors = mirrors
    self.listeners = listeners
    self.descriptors = descriptors
    self.recordsCRC = recordsCRC
  }
}
