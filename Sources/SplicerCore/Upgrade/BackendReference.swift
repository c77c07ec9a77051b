/// A session's server as it travels: `Backend.id` (the same number in both processes, since the
/// new one keeps the old `StatsLayout`) and the key it is checked by.
public struct BackendReference: Hashable, Sendable {
  public var id: UInt32
  public var key: ServerKeyRecord

  public init(id: UInt32, key: ServerKeyRecord) {
    self.id = id
    self.key = key
  }
}
