/// Lists of networks and server names, written either as a sequence or, for one item, as a
/// plain scalar (`source: 10.0.0.0/8` is `source: ["10.0.0.0/8"]`).
extension YAMLNodeReader {
  /// The items of a list: the elements of a sequence, or this node itself when it is a scalar.
  func items(expected: String) throws(ConfigError) -> [YAMLNodeReader] {
    if case .scalar = node, !isNull {
      return [self]
    }
    return try sequence(expected: expected)
  }

  /// Networks, each once.
  ///
  /// - Parameter allowEmpty: whether `[]` is fine (an empty `allow` lets everyone in) or an
  ///   error (an empty `source` would make a route that never matches).
  func cidrs(allowEmpty: Bool) throws(ConfigError) -> [CIDR] {
    let items = try items(expected: "a network or a sequence of networks (\(CIDR.example))")
    if items.isEmpty && !allowEmpty {
      throw error("expected at least one network (\(CIDR.example))")
    }
    var networks: [CIDR] = []
    var lines: [CIDR: Int] = [:]
    for item in items {
      let network = try item.cidr()
      if let line = lines[network] {
        throw item.error("duplicate network \(network) (first at line \(line))")
      }
      lines[network] = item.node.mark.line
      networks.append(network)
    }
    return networks
  }

  /// Server name patterns with their nodes, at least one; duplicates are checked by the caller,
  /// which knows the other routes of the listener.
  func sniPatterns() throws(ConfigError) -> [(pattern: SNIPattern, node: YAMLNodeReader)] {
    let items = try items(expected: "a server name or a sequence of server names")
    if items.isEmpty {
      throw error("expected at least one server name, such as api.example.com or *.example.com")
    }
    var patterns: [(pattern: SNIPattern, node: YAMLNodeReader)] = []
    for item in items {
      patterns.append((try item.sniPattern(), item))
    }
    return patterns
  }
}
