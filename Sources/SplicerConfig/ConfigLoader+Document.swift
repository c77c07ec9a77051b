extension ConfigLoader {
  static let workersRange = 1...256
  static let rootKeys = [
    "workers", "listeners", "pools", "timeouts", "tuning", "log", "admin", "user", "group", "keep_bind_capability",
  ]

  /// Walks the root mapping; sections are read in file order so that the error reported is the
  /// first one in the file, and cross-references (listener -> pool) are checked once all are read.
  static func configuration(from root: YAMLNodeReader) throws(ConfigError) -> Configuration {
    guard case .mapping = root.node else {
      let found = root.kindDescription
      throw root.error("the top level must be a mapping with 'listeners' and 'pools', found \(found)")
    }
    let top = try root.mapping(knownKeys: rootKeys)
    var workers = defaultWorkers
    var listeners: [ListenerEntry]? = nil
    var pools: [PoolConfig]? = nil
    var timeouts = Timeouts()
    var tuning = Tuning()
    var log = LogConfig()
    var admin: (config: AdminConfig, node: YAMLNodeReader)?
    var privileges = Privileges()
    var groupNode: YAMLNodeReader?
    for entry in top.entries {
      let value = entry.value
      switch entry.key {
      case "workers": workers = try value.int(in: workersRange)
      case "listeners": listeners = try readListeners(value)
      case "pools": pools = try readPools(value)
      case "timeouts": timeouts = try readTimeouts(value)
      case "tuning": tuning = try readTuning(value)
      case "log": log = try readLog(value)
      case "admin": admin = try readAdmin(value)
      case "user": privileges.user = try value.name(kind: "user")
      case "group":
        privileges.group = try value.name(kind: "group")
        groupNode = value
      case "keep_bind_capability": privileges.keepBindCapability = try value.bool()
      default: preconditionFailure("YAMLMappingReader let an unknown key through: \(entry.key)")
      }
    }
    if let groupNode, privileges.user == nil {
      throw groupNode.error("'group' needs 'user' too")
    }
    guard let listeners else { throw top.missing("listeners") }
    guard let pools else { throw top.missing("pools") }
    try checkPoolReferences(listeners, pools: pools)
    if let admin, admin.config.bind.port != 0,
      let clash = listeners.first(where: { $0.config.bind == admin.config.bind })
    {
      throw admin.node.error("admin bind \(admin.config.bind) is already the bind of listener '\(clash.config.name)'")
    }
    var configuration = Configuration(
      workers: workers, listeners: listeners.map(\.config), pools: pools, timeouts: timeouts,
      tuning: tuning, log: log, admin: admin?.config)
    configuration.privileges = privileges
    return configuration
  }

  static func checkPoolReferences(_ listeners: [ListenerEntry], pools: [PoolConfig]) throws(ConfigError) {
    let names = pools.map(\.name)
    for listener in listeners {
      // In file order, so that the first dangling name in the file is the one reported.
      let references = listener.poolReferences.sorted { $0.node.node.mark.line < $1.node.node.mark.line }
      for reference in references where !names.contains(reference.name) {
        let hint = KeySuggestion.hint(for: reference.name, among: names)
        let known = hint.isEmpty ? " (pools: \(names.joined(separator: ", ")))" : hint
        throw reference.node.error("no pool named '\(reference.name)'\(known)")
      }
    }
  }
}
