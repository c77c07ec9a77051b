extension ConfigLoader {
  static let listenerKeys = [
    "name", "bind", "pool", "routes", "mode", "backlog", "allow", "deny", "max_connections", "accept_proxy",
    "inspect", "client_keepalive", "max_lifetime", "rate_limit", "mirror",
  ]
  static let backlogRange = 1...65535

  static func readListeners(_ node: YAMLNodeReader) throws(ConfigError) -> [ListenerEntry] {
    let items = try node.sequence(expected: "a sequence of listeners")
    if items.isEmpty {
      throw node.error("expected at least one listener")
    }
    var listeners: [ListenerEntry] = []
    var nameLines: [String: Int] = [:]
    var bindOwners: [Endpoint: (name: String, line: Int)] = [:]
    for item in items {
      let fields = try item.mapping(knownKeys: listenerKeys)
      let nameNode = try fields.required("name")
      let name = try nameNode.name(of: "listener")
      if let line = nameLines[name] {
        throw nameNode.error("duplicate listener name '\(name)' (first used at line \(line))")
      }
      nameLines[name] = nameNode.node.mark.line

      let bindNode = try fields.required("bind")
      let bind = try bindNode.endpoint(allowPortZero: true)
      // Port 0 asks the kernel for a fresh ephemeral port per socket, so two such binds never clash.
      if bind.port != 0 {
        if let owner = bindOwners[bind] {
          throw bindNode.error(
            "duplicate bind address \(bind) (also used by listener '\(owner.name)' at line \(owner.line))")
        }
        bindOwners[bind] = (name, bindNode.node.mark.line)
      }
      listeners.append(try readListener(name: name, bind: bind, fields))
    }
    return listeners
  }

  /// The keys after `name` and `bind`, which are checked across listeners by the caller.
  static func readListener(
    name: String, bind: Endpoint, _ fields: YAMLMappingReader
  ) throws(ConfigError) -> ListenerEntry {
    var references: [ListenerEntry.PoolReference] = []
    var routes: [RouteConfig] = []
    if let routesNode = fields["routes"] {
      (routes, references) = try readRoutes(routesNode)
    }
    var pool: String? = nil
    if let poolNode = fields["pool"] {
      let name = try poolNode.string()
      pool = name
      references.append(ListenerEntry.PoolReference(name: name, node: poolNode))
    }
    if pool == nil && routes.isEmpty {
      throw fields.owner.error(
        "listener '\(name)' needs 'pool' (where its connections go), 'routes', or both",
        key: fields.owner.path)
    }
    var config = ListenerConfig(name: name, bind: bind, pool: pool, routes: routes)
    config.mode = try fields["mode"]?.choice(of: RelayMode.self) ?? .splice
    config.backlog = try fields["backlog"]?.int(in: backlogRange) ?? 1024
    config.allow = try fields["allow"]?.cidrs(allowEmpty: true) ?? []
    config.deny = try fields["deny"]?.cidrs(allowEmpty: true) ?? []
    config.maxConnections = try fields["max_connections"]?.int(in: ListenerConfig.maxConnectionsRange)
    config.acceptProxy = try fields["accept_proxy"].flatMap(readAcceptProxy)
    config.inspect = try fields["inspect"].map(readInspect) ?? InspectConfig()
    config.clientKeepalive = try fields["client_keepalive"].flatMap(readKeepalive)
    config.maxLifetime = try fields["max_lifetime"]?.duration()
    config.rateLimit = try fields["rate_limit"].map(readRateLimit) ?? RateLimitConfig()
    if let mirrorNode = fields["mirror"] {
      let (mirror, poolNode) = try readMirror(mirrorNode)
      // tee(2) duplicates pipe pages; a copy-mode listener has no pipe to tee from.
      if config.mode == .copy {
        throw mirrorNode.error("'mirror' needs 'mode: splice' (it tees the splice pipe)")
      }
      config.mirror = mirror
      references.append(ListenerEntry.PoolReference(name: mirror.pool, node: poolNode))
    }
    return ListenerEntry(config: config, poolReferences: references)
  }
}
