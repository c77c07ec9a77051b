/// The listener's `rate_limit` section.
extension ConfigLoader {
  static let rateLimitKeys = ["download", "upload", "listener_total"]

  static func readRateLimit(_ node: YAMLNodeReader) throws(ConfigError) -> RateLimitConfig {
    let fields = try node.mapping(knownKeys: rateLimitKeys, allowNull: true)
    var config = RateLimitConfig()
    config.download = try fields["download"]?.rate()
    config.upload = try fields["upload"]?.rate()
    config.listenerTotal = try fields["listener_total"]?.rate()
    return config
  }
}

extension YAMLNodeReader {
  /// A bandwidth in bytes per second (`RateParser`).
  func rate() throws(ConfigError) -> Int {
    try parsed(expected: "a rate such as \(RateParser.example)", RateParser.parse)
  }
}
