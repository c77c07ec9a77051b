/// One server of a pool: where it listens and how much of the pool's traffic it takes.
public struct ServerConfig: Sendable, Equatable {
  public static let weightRange = 1...256
  public static let maxConnectionsRange = 1...1_000_000

  public var address: ServerAddress
  /// Draining: gets no new connections; open ones finish. For taking a server out by reload.
  public var drain: Bool
  /// Relative share of new connections against the pool's other servers, 1-256.
  public var weight: Int
  /// A backup server gets connections only while no server that is not a backup is up.
  public var backup: Bool
  /// Open connections this server may hold, across all workers; nil: no limit. A server at its
  /// limit is skipped; when every server is, connections wait in the pool's queue.
  public var maxConnections: Int?

  public init(
    address: ServerAddress, drain: Bool = false, weight: Int = 1, backup: Bool = false, maxConnections: Int? = nil
  ) {
    self.address = address
    self.drain = drain
    self.weight = weight
    self.backup = backup
    self.maxConnections = maxConnections
  }

  /// A server at a numeric address; keeps callers written before host names and unix sockets.
  public init(
    address: Endpoint, drain: Bool = false, weight: Int = 1, backup: Bool = false, maxConnections: Int? = nil
  ) {
    self.init(address: .ip(address), drain: drain, weight: weight, backup: backup, maxConnections: maxConnections)
  }
}
