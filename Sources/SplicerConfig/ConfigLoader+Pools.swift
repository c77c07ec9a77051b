extension ConfigLoader {
  static let poolKeys = [
    "servers", "balance", "retries", "send_proxy", "queue", "resolve_interval", "health_check", "observe",
    "when_all_down", "server_keepalive", "discover",
  ]
  static let queueKeys = ["size", "timeout"]
  static let retriesRange = 0...16
  /// Cap on the default retry count: past a few servers, more attempts mostly add latency.
  static let defaultRetriesCap = 3
  /// Re-resolving more often than this only loads the resolver.
  static let minimumResolveInterval = Duration.seconds(1)

  static func readPools(_ node: YAMLNodeReader) throws(ConfigError) -> [PoolConfig] {
    let mapping = try node.namedMapping(expected: "a mapping from pool names to pools", entryKind: "pool")
    if mapping.entries.isEmpty {
      throw node.error("expected at least one pool")
    }
    var pools: [PoolConfig] = []
    for entry in mapping.entries {
      if let problem = YAMLNodeReader.checkName(entry.key, of: "pool") {
        throw node.error(problem, at: entry.keyMark, key: entry.value.path)
      }
      pools.append(try readPool(named: entry.key, entry.value))
    }
    return pools
  }

  static func readPool(named name: String, _ node: YAMLNodeReader) throws(ConfigError) -> PoolConfig {
    let fields = try node.mapping(knownKeys: poolKeys)
    // Either a `servers` list or a `discover` section: the discovered set replaces the pool's
    // servers as a whole at each change, so listed servers would be dropped at the first answer.
    var servers: [ServerConfig] = []
    let discovery = try fields["discover"].map(readDiscovery)
    if let discoverNode = fields["discover"] {
      if let serversNode = fields["servers"] {
        throw serversNode.error(
          "a pool with 'discover' takes its servers from DNS; leave out 'servers' (discover is at line \(discoverNode.node.mark.line))"
        )
      }
    } else {
      servers = try readServers(try fields.required("servers"), pool: name)
    }
    if fields["health_check"] == nil, let observe = fields["observe"] {
      throw observe.error(
        "'observe' needs a 'health_check' in the same pool: only an active check brings a server back")
    }
    // A discovered pool's size is not known yet: the cap (with fewer servers, a retry may
    // pick a server again).
    let defaultRetries = discovery == nil ? min(servers.count - 1, defaultRetriesCap) : defaultRetriesCap
    var pool = PoolConfig(
      name: name, servers: servers, retries: try fields["retries"]?.int(in: retriesRange) ?? defaultRetries)
    pool.balance = try fields["balance"]?.choice(of: BalanceAlgorithm.self) ?? .roundRobin
    pool.sendProxy = try fields["send_proxy"]?.choice(of: ProxyProtocolVersion.self)
    pool.queue = try fields["queue"].map(readQueue) ?? QueueConfig()
    if let interval = fields["resolve_interval"] {
      pool.resolveInterval = try interval.duration()
      if pool.resolveInterval < minimumResolveInterval {
        throw interval.error("must be at least 1s, got \(try interval.string())")
      }
    }
    if let checkNode = fields["health_check"] {
      let check = try readHealthCheck(checkNode)
      // A unix socket has no port to replace; probing some TCP port instead would check the
      // wrong thing, so the override is refused rather than skipped for those servers.
      if check.port != nil, let unix = servers.first(where: \.address.isUnix),
        let portNode = try checkNode.mapping(knownKeys: healthCheckKeys)["port"]
      {
        throw portNode.error(
          "'port' cannot apply to unix socket server \(unix.address); leave it out to check each server where it listens"
        )
      }
      pool.healthCheck = check
    }
    pool.observe = try fields["observe"].map(readObserve)
    pool.whenAllDown = try fields["when_all_down"].map(readWhenAllDown) ?? .close
    pool.serverKeepalive = try fields["server_keepalive"].flatMap(readKeepalive)
    pool.discover = discovery
    return pool
  }

  static func readQueue(_ node: YAMLNodeReader) throws(ConfigError) -> QueueConfig {
    let fields = try node.mapping(knownKeys: queueKeys, allowNull: true)
    var queue = QueueConfig()
    if let size = fields["size"] {
      queue.size = try size.int(in: QueueConfig.sizeRange)
    }
    if let timeout = fields["timeout"] {
      queue.timeout = try timeout.duration()
    }
    return queue
  }
}
