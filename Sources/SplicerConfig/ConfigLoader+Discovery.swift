/// A pool's `discover` section: servers from DNS SRV records.
extension ConfigLoader {
  static let discoverKeys = ["srv", "nameserver", "interval"]

  static func readDiscovery(_ node: YAMLNodeReader) throws(ConfigError) -> DiscoveryConfig {
    let fields = try node.mapping(knownKeys: discoverKeys)
    let srvNode = try fields.required("srv")
    var name = try srvNode.string().lowercased()
    if name.hasSuffix(".") { name.removeLast() }
    if let problem = SRVNameSyntax.problem(in: name) {
      throw srvNode.error(problem)
    }
    var discovery = DiscoveryConfig(srv: name)
    if let nameserverNode = fields["nameserver"] {
      let nameserver = try nameserverNode.endpoint(allowPortZero: false)
      // libresolv's res_state takes a custom nameserver as a sockaddr_in only.
      if nameserver.family != .ipv4 {
        throw nameserverNode.error("must be an IPv4 address with a port, e.g. 127.0.0.1:53; got \(nameserver)")
      }
      discovery.nameserver = nameserver
    }
    if let intervalNode = fields["interval"] {
      discovery.interval = try intervalNode.duration()
      if discovery.interval < DiscoveryConfig.minimumInterval {
        throw intervalNode.error("must be at least 1s, got \(try intervalNode.string())")
      }
    }
    return discovery
  }
}
