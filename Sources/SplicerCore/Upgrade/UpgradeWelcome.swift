/// `Welcome`, the old process's answer to `Hello`: the wire version both use from here on.
public struct UpgradeWelcome: Hashable, Sendable {
  public var chosenVersion: UInt16
  public var oldBinaryVersion: String
  public var oldPID: Int32
  /// How long the old process lets its workers stay frozen, nanoseconds.
  public var freezeTimeout: UInt64

  public init(chosenVersion: UInt16, oldBinaryVersion: String, oldPID: Int32, freezeTimeout: UInt64) {
    self.chosenVersion = chosenVersion
    self.oldBinaryVersion = oldBinaryVersion
    self.oldPID = oldPID
    self.freezeTimeout = freezeTimeout
  }
}
