/// A listener's `routes`, and the `accept_proxy` and `inspect` settings that feed them.
extension ConfigLoader {
  static let routeKeys = ["sni", "source", "pool"]
  static let acceptProxyKeys = ["trusted", "timeout"]
  static let inspectKeys = ["timeout", "max_size", "on_failure"]

  /// A server name pattern together with the sources it was routed for: the same name may be
  /// routed twice only for different sources, otherwise the second route could never match it.
  private struct RoutedName: Hashable {
    var pattern: SNIPattern
    var source: Set<CIDR>?
  }

  static func readRoutes(
    _ node: YAMLNodeReader
  ) throws(ConfigError) -> ([RouteConfig], [ListenerEntry.PoolReference]) {
    let items = try node.sequence(expected: "a sequence of routes")
    if items.isEmpty {
      throw node.error("expected at least one route (or leave 'routes' out)")
    }
    var routes: [RouteConfig] = []
    var references: [ListenerEntry.PoolReference] = []
    var routedLines: [RoutedName: Int] = [:]
    for item in items {
      let fields = try item.mapping(knownKeys: routeKeys)
      let patterns = try fields["sni"]?.sniPatterns()
      let source = try fields["source"]?.cidrs(allowEmpty: false)
      let poolNode = try fields.required("pool")
      if patterns == nil && source == nil {
        throw item.error(
          "a route needs 'sni', 'source' or both; the pool for every other connection is the listener's 'pool'")
      }
      for (pattern, patternNode) in patterns ?? [] {
        let routed = RoutedName(pattern: pattern, source: source.map(Set.init))
        if let line = routedLines[routed] {
          let sources = source == nil ? "" : " for the same sources"
          throw patternNode.error("'\(pattern)' is already routed\(sources) at line \(line)")
        }
        routedLines[routed] = patternNode.node.mark.line
      }
      let pool = try poolNode.string()
      references.append(ListenerEntry.PoolReference(name: pool, node: poolNode))
      routes.append(RouteConfig(sni: patterns?.map(\.pattern), source: source, pool: pool))
    }
    return (routes, references)
  }

  /// `true`, `false` (nil: no header expected) or `{ trusted: [...], timeout: 5s }`.
  static func readAcceptProxy(_ node: YAMLNodeReader) throws(ConfigError) -> AcceptProxyConfig? {
    if case .scalar(let scalar) = node.node {
      guard scalar.kind == .bool, let enabled = scalar.boolValue else {
        throw node.typeMismatch(expected: "true, false or a mapping with 'trusted' and 'timeout'")
      }
      return enabled ? AcceptProxyConfig() : nil
    }
    let fields = try node.mapping(knownKeys: acceptProxyKeys)
    var config = AcceptProxyConfig()
    if let trusted = fields["trusted"] {
      config.trusted = try trusted.cidrs(allowEmpty: true)
    }
    if let timeout = fields["timeout"] {
      config.timeout = try timeout.duration()
    }
    return config
  }

  static func readInspect(_ node: YAMLNodeReader) throws(ConfigError) -> InspectConfig {
    let fields = try node.mapping(knownKeys: inspectKeys, allowNull: true)
    var config = InspectConfig()
    if let timeout = fields["timeout"] {
      config.timeout = try timeout.duration()
    }
    if let maxSize = fields["max_size"] {
      config.maxSize = try maxSize.size(in: InspectConfig.maxSizeRange)
    }
    if let onFailure = fields["on_failure"] {
      config.onFailure = try onFailure.choice(of: InspectFailure.self)
    }
    return config
  }
}
