/// Who one side of an upgrade is, as `Hello` and `Welcome` tell it (design §4.1): the wire
/// versions the binary speaks, its version string, and the boot and user it runs on. Both
/// sides must be on one boot (monotonic times are compared) and run as one user.
public struct UpgradeIdentity: Hashable, Sendable {
  public var supported: ClosedRange<UInt16>
  public var binaryVersion: String
  /// `/proc/sys/kernel/random/boot_id`.
  public var bootID: String
  public var uid: UInt32
  public var pid: Int32

  public init(
    supported: ClosedRange<UInt16> = UpgradeWire.supported, binaryVersion: String, bootID: String, uid: UInt32,
    pid: Int32
  ) {
    self.supported = supported
    self.binaryVersion = binaryVersion
    self.bootID = bootID
    self.uid = uid
    self.pid = pid
  }
}
