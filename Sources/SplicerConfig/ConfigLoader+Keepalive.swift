/// `client_keepalive` (listeners) and `server_keepalive` (pools): `true`, `false` or a
/// mapping of `idle`, `interval` and `count`.
extension ConfigLoader {
  static let keepaliveKeys = ["idle", "interval", "count"]

  static func readKeepalive(_ node: YAMLNodeReader) throws(ConfigError) -> KeepaliveConfig? {
    if case .scalar(let scalar) = node.node {
      guard scalar.kind == .bool, let enabled = scalar.boolValue else {
        throw node.typeMismatch(expected: "true, false or a mapping with 'idle', 'interval' and 'count'")
      }
      return enabled ? KeepaliveConfig() : nil
    }
    let fields = try node.mapping(knownKeys: keepaliveKeys, allowNull: true)
    var config = KeepaliveConfig()
    if let idle = fields["idle"] {
      config.idle = try wholeSeconds(idle)
    }
    if let interval = fields["interval"] {
      config.interval = try wholeSeconds(interval)
    }
    if let count = fields["count"] {
      config.count = try count.int(in: KeepaliveConfig.countRange)
    }
    return config
  }

  /// A duration the kernel can take: whole seconds, 1s to 32767s.
  private static func wholeSeconds(_ node: YAMLNodeReader) throws(ConfigError) -> Duration {
    let duration = try node.duration()
    let (seconds, attoseconds) = duration.components
    guard attoseconds == 0, KeepaliveConfig.secondsRange.contains(Int(seconds)) else {
      throw node.error(
        "must be whole seconds from 1s to 32767s (the kernel counts in seconds), got \(try node.string())")
    }
    return duration
  }
}
