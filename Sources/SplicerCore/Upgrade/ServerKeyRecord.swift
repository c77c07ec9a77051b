/// Names a server across the two processes: its pool and its configured address text. The new
/// process checks it against the server it finds in the rebuilt config generation.
public struct ServerKeyRecord: Hashable, Sendable {
  public var pool: String
  public var address: String

  public init(pool: String, address: String) {
    self.pool = pool
    self.address = address
  }
}
