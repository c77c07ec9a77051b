/// A pool's `servers` list.
extension ConfigLoader {
  static let serverKeys = ["address", "weight", "backup", "max_connections", "drain"]

  static func readServers(_ node: YAMLNodeReader, pool: String) throws(ConfigError) -> [ServerConfig] {
    let items = try node.sequence(expected: "a sequence of servers")
    if items.isEmpty {
      throw node.error("expected at least one server")
    }
    var servers: [ServerConfig] = []
    var addressLines: [ServerAddress: Int] = [:]
    for item in items {
      let fields = try item.mapping(knownKeys: serverKeys)
      let addressNode = try fields.required("address")
      let address = try addressNode.serverAddress()
      if let line = addressLines[address] {
        throw addressNode.error(
          "duplicate server address \(address) in pool '\(pool)' (first at line \(line))")
      }
      addressLines[address] = addressNode.node.mark.line
      var server = ServerConfig(address: address)
      server.weight = try fields["weight"]?.int(in: ServerConfig.weightRange) ?? 1
      server.backup = try fields["backup"]?.bool() ?? false
      server.maxConnections = try fields["max_connections"]?.int(in: ServerConfig.maxConnectionsRange)
      server.drain = try fields["drain"]?.bool() ?? false
      servers.append(server)
    }
    if servers.allSatisfy(\.backup) {
      throw node.error("pool '\(pool)' needs at least one server that is not a backup")
    }
    return servers
  }
}
