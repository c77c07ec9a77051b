/// Server health and the other series that must not go back across an upgrade (design §12),
/// as it travels in `Health`; several messages when it does not fit one. Seeded into the
/// `HealthBoard` and the counters before the health checker starts.
public struct HealthSnapshot: Hashable, Sendable {
  /// `HealthBoard.Counter`s per server.
  public static let serverCounterCount = 6

  /// One server row of the `HealthBoard`.
  public struct Server: Hashable, Sendable {
    public var row: UInt32
    public var down: Bool
    public var passiveFailures: UInt32
    /// The six `HealthBoard.Counter`s, in their declaration order.
    public var counters: [UInt64]

    public init(row: UInt32, down: Bool, passiveFailures: UInt32, counters: [UInt64]) {
      precondition(counters.count == HealthSnapshot.serverCounterCount, "one value per HealthBoard.Counter")
      self.row = row
      self.down = down
      self.passiveFailures = passiveFailures
      self.counters = counters
    }
  }

  /// A process-wide count by name: `ReloadCounters`, discovery failures, dropped log lines,
  /// upgrades.
  public struct Series: Hashable, Sendable {
    public var name: String
    public var value: UInt64

    public init(name: String, value: UInt64) {
      self.name = name
      self.value = value
    }
  }

  public var servers: [Server]
  public var series: [Series]

  public init(servers: [Server], series: [Series] = []) {
    self.servers = servers
    self.series = series
  }
}
