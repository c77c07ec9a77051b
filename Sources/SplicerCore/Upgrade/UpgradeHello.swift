/// `Hello`, the new process's first message: what it speaks and who it is, for the old process
/// to choose a version or refuse (design §4.1).
public struct UpgradeHello: Hashable, Sendable {
  public static let maximumDigestLength = 64

  /// The wire versions the new binary speaks.
  public var oldestVersion: UInt16
  public var newestVersion: UInt16
  /// The new binary's version string, for the log.
  public var binaryVersion: String
  /// `/proc/sys/kernel/random/boot_id`: monotonic times only compare on one boot.
  public var bootID: String
  public var uid: UInt32
  public var pid: Int32
  /// A digest of the config file the new process loaded, at most `maximumDigestLength` bytes.
  public var configDigest: [UInt8]

  public init(
    oldestVersion: UInt16 = UpgradeWire.oldestSupported, newestVersion: UInt16 = UpgradeWire.version,
    binaryVersion: String, bootID: String, uid: UInt32, pid: Int32, configDigest: [UInt8]
  ) {
    precondition(configDigest.count <= Self.maximumDigestLength, "config digest of \(configDigest.count) bytes")
    self.oldestVersion = oldestVersion
    self.newestVersion = newestVersion
    self.binaryVersion = binaryVersion
    self.bootID = bootID
    self.uid = uid
    self.pid = pid
    self.configDigest = configDigest
  }
}
