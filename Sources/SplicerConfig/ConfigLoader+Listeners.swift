extension ConfigLoader {
  static let listenerKeys = ["name", "bind", "pool", "mode", "backlog"]
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
      nameLines[name] = nameNode.node.mark?.line ?? 0

      let bindNode = try fields.required("bind")
      let bind = try bindNode.endpoint(allowPortZero: true)
      // Port 0 asks the kernel for a fresh ephemeral port per socket, so two such binds never clash.
      if bind.port != 0 {
        if let owner = bindOwners[bind] {
          throw bindNode.error(
            "duplicate bind address \(bind) (also used by listener '\(owner.name)' at line \(owner.line))")
        }
        bindOwners[bind] = (name, bindNode.node.mark?.line ?? 0)
      }

      let poolNode = try fields.required("pool")
      let pool = try poolNode.string()
      let mode = try fields["mode"]?.choice(of: RelayMode.self) ?? .splice
      let backlog = try fields["backlog"]?.int(in: backlogRange) ?? 1024
      let config = ListenerConfig(name: name, bind: bind, pool: pool, mode: mode, backlog: backlog)
      listeners.append(ListenerEntry(config: config, poolNode: poolNode))
    }
    return listeners
  }
}
