/// `RunningConfig` (design §4.3): what the new process needs to rebuild every object a moved
/// session refers to, sent before the listeners. Plain values only.
///
/// Made on the old side from `ProxyServer.liveGenerations` and the running state; on the new
/// side each generation is rebuilt with `ConfigGeneration.rebuilt` against a `StatsLayout`
/// restored from `listenerRows`/`serverRows`, so that counter rows and `Backend.id`s are the
/// old process's numbers.
public struct RunningConfigRecord: Hashable, Sendable {
  /// One live config generation: the exact bytes it was loaded from, and the server sets
  /// discovery applied to it (pool name → servers).
  public struct Generation: Hashable, Sendable {
    public var number: UInt64
    public var path: String
    public var yaml: [UInt8]
    public var discovered: [DiscoveredPool]

    public init(number: UInt64, path: String, yaml: [UInt8], discovered: [DiscoveredPool]) {
      self.number = number
      self.path = path
      self.yaml = yaml
      self.discovered = discovered
    }
  }

  /// A `discover` pool's servers as applied: each server's address text (as the config
  /// would write it) and its settings.
  public struct DiscoveredPool: Hashable, Sendable {
    public struct Server: Hashable, Sendable {
      public var address: String
      public var weight: UInt16
      public var backup: Bool
      public var drain: Bool
      public var maxConnections: UInt32?

      public init(address: String, weight: UInt16, backup: Bool, drain: Bool, maxConnections: UInt32?) {
        self.address = address
        self.weight = weight
        self.backup = backup
        self.drain = drain
        self.maxConnections = maxConnections
      }
    }

    public var pool: String
    public var servers: [Server]

    public init(pool: String, servers: [Server]) {
      self.pool = pool
      self.servers = servers
    }
  }

  /// Every live generation, oldest first; the last is the running one.
  public var generations: [Generation]
  /// The old process's worker count (the new process runs the same until its reload).
  public var workers: UInt16
  /// `StatsLayout`: listener names and (pool, server) keys in row order, and capacities.
  public var listenerRows: [String]
  public var serverRows: [ServerKeyRecord]
  public var listenerCapacity: UInt32
  public var serverCapacity: UInt32
  /// Every descriptor the old process will send (listeners, sessions, mirrors), so that the
  /// new process can refuse before the freeze if its RLIMIT_NOFILE could not take them.
  public var descriptorTotal: UInt32

  public init(
    generations: [Generation], workers: UInt16, listenerRows: [String], serverRows: [ServerKeyRecord],
    listenerCapacity: UInt32, serverCapacity: UInt32, descriptorTotal: UInt32
  ) {
    self.generations = generations
    self.workers = workers
    self.listenerRows = listenerRows
    self.serverRows = serverRows
    self.listenerCapacity = listenerCapacity
    self.serverCapacity = serverCapacity
    self.descriptorTotal = descriptorTotal
  }
}
