extension ConfigLoader {
  static let poolKeys = ["servers", "retries", "health_check", "observe", "when_all_down"]
  static let serverKeys = ["address", "drain"]
  static let retriesRange = 0...16
  /// Cap on the default retry count: past a few servers, more attempts mostly add latency.
  static let defaultRetriesCap = 3

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
    let serversNode = try fields.required("servers")
    let items = try serversNode.sequence(expected: "a sequence of servers")
    if items.isEmpty {
      throw serversNode.error("expected at least one server")
    }
    var servers: [ServerConfig] = []
    var addressLines: [Endpoint: Int] = [:]
    for item in items {
      let serverFields = try item.mapping(knownKeys: serverKeys)
      let addressNode = try serverFields.required("address")
      let address = try addressNode.endpoint(allowPortZero: false)
      if let line = addressLines[address] {
        throw addressNode.error(
          "duplicate server address \(address) in pool '\(name)' (first at line \(line))")
      }
      addressLines[address] = addressNode.node.mark?.line ?? 0
      servers.append(ServerConfig(address: address, drain: try serverFields["drain"]?.bool() ?? false))
    }
    if fields["health_check"] == nil, let observe = fields["observe"] {
      throw observe.error(
        "'observe' needs a 'health_check' in the same pool: only an active check brings a server back")
    }
    let defaultRetries = min(servers.count - 1, defaultRetriesCap)
    let retries = try fields["retries"]?.int(in: retriesRange) ?? defaultRetries
    return PoolConfig(
      name: name, servers: servers, retries: retries, healthCheck: try fields["health_check"].map(readHealthCheck),
      observe: try fields["observe"].map(readObserve),
      whenAllDown: try fields["when_all_down"].map(readWhenAllDown) ?? .close)
  }
}
