/// The optional sections (`timeouts`, `tuning`, `log`); each key falls back to the type's default,
/// and an empty section (all children commented out) means all defaults.
extension ConfigLoader {
  static let timeoutKeys = ["connect", "idle", "drain", "upgrade"]
  static let tuningKeys = ["pipe_size", "pipe_pool", "copy_buffer", "max_pipes"]
  static let logKeys = ["level", "format", "access_log"]
  static let adminKeys = ["bind"]

  /// One page up to `fs.pipe-max-size`'s default; larger requests fail with EPERM for non-root.
  static let pipeSizeRange = 4096...(1 << 20)
  static let pipePoolRange = 0...4096
  static let maxPipesRange = 1...1_000_000
  static let copyBufferRange = (4 << 10)...(16 << 20)

  static func readTimeouts(_ node: YAMLNodeReader) throws(ConfigError) -> Timeouts {
    let fields = try node.mapping(knownKeys: timeoutKeys, allowNull: true)
    var timeouts = Timeouts()
    if let connect = fields["connect"] {
      timeouts.connect = try connect.duration()
    }
    if let idle = fields["idle"] {
      timeouts.idle = try idle.duration()
    }
    if let drain = fields["drain"] {
      timeouts.drain = try drain.duration()
    }
    if let upgrade = fields["upgrade"] {
      timeouts.upgrade = try upgrade.duration()
    }
    return timeouts
  }

  static func readTuning(_ node: YAMLNodeReader) throws(ConfigError) -> Tuning {
    let fields = try node.mapping(knownKeys: tuningKeys, allowNull: true)
    var tuning = Tuning()
    if let pipeSize = fields["pipe_size"] {
      tuning.pipeSize = try pipeSize.size(in: pipeSizeRange)
    }
    if let pipePool = fields["pipe_pool"] {
      tuning.pipePoolSize = try pipePool.int(in: pipePoolRange)
    }
    if let copyBuffer = fields["copy_buffer"] {
      tuning.copyBufferSize = try copyBuffer.size(in: copyBufferRange)
    }
    if let maxPipes = fields["max_pipes"] {
      tuning.maxPipes = try maxPipes.int(in: maxPipesRange)
    }
    return tuning
  }

  static func readLog(_ node: YAMLNodeReader) throws(ConfigError) -> LogConfig {
    let fields = try node.mapping(knownKeys: logKeys, allowNull: true)
    var log = LogConfig()
    if let level = fields["level"] {
      log.level = try level.choice(of: LogConfig.Level.self)
    }
    if let format = fields["format"] {
      log.format = try format.choice(of: LogConfig.Format.self)
    }
    if let accessLog = fields["access_log"] {
      log.accessLog = try accessLog.bool()
    }
    return log
  }

  /// The admin section; returns the bind node too, for errors found later.
  static func readAdmin(_ node: YAMLNodeReader) throws(ConfigError) -> (config: AdminConfig, node: YAMLNodeReader) {
    let fields = try node.mapping(knownKeys: adminKeys)
    let bindNode = try fields.required("bind")
    return (AdminConfig(bind: try bindNode.endpoint(allowPortZero: true)), bindNode)
  }
}
