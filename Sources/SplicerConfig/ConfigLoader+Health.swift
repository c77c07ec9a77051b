/// The health sections of a pool: `health_check`, `observe`, `when_all_down`.
extension ConfigLoader {
  static let healthCheckKeys = [
    "type", "interval", "timeout", "rise", "fall", "jitter", "port", "send", "expect", "path", "host", "status",
  ]
  static let thresholdRange = 1...100
  static let jitterPercentRange = 0...50

  static func readHealthCheck(_ node: YAMLNodeReader) throws(ConfigError) -> HealthCheckConfig {
    let fields = try node.mapping(knownKeys: healthCheckKeys)
    var check = HealthCheckConfig()
    let typeNode = try fields.required("type")
    let type = try typeNode.string()
    let send = try fields["send"].map { node throws(ConfigError) in Array(try node.string().utf8) }
    let expect = try fields["expect"].map { node throws(ConfigError) in Array(try node.string().utf8) }
    let path = try fields["path"]?.string()
    let host = try fields["host"]?.string()
    let statusNode = fields["status"]
    let keyTypes = ["send": "send_expect", "expect": "send_expect", "path": "http", "host": "http", "status": "http"]
    func refuse(_ key: String) throws(ConfigError) {
      if let node = fields[key] { throw node.error("'\(key)' applies only to type \(keyTypes[key]!)") }
    }
    switch type {
    case "tcp":
      for key in ["send", "expect", "path", "host", "status"] { try refuse(key) }
      check.probe = .tcp
    case "send_expect":
      for key in ["path", "host", "status"] { try refuse(key) }
      guard let expect, !expect.isEmpty else {
        throw (fields["expect"] ?? typeNode).error("type send_expect needs a non-empty 'expect'")
      }
      check.probe = .sendExpect(send: send ?? [], expect: expect)
    case "http":
      for key in ["send", "expect"] { try refuse(key) }
      let path = path ?? "/"
      guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
        throw (fields["path"] ?? typeNode).error("'path' must start with / and contain no spaces or line breaks")
      }
      if let host, host.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
        throw fields["host"]!.error("'host' must contain no spaces or line breaks")
      }
      let statuses = try statusNode.map(readStatusRange) ?? 200...399
      check.probe = .http(path: path, host: host, statuses: statuses)
    default:
      throw typeNode.error("unknown health check type '\(type)' (expected tcp, send_expect or http)")
    }
    if let interval = fields["interval"] { check.interval = try interval.duration() }
    if let timeout = fields["timeout"] { check.timeout = try timeout.duration() }
    if check.timeout > check.interval {
      throw (fields["timeout"] ?? fields["interval"] ?? typeNode).error(
        "timeout (\(check.timeout)) must not exceed interval (\(check.interval))")
    }
    if let rise = fields["rise"] { check.rise = try rise.int(in: thresholdRange) }
    if let fall = fields["fall"] { check.fall = try fall.int(in: thresholdRange) }
    if let jitter = fields["jitter"] {
      // Written as a whole percentage, e.g. `jitter: 10` for ±10 %.
      check.jitter = Double(try jitter.int(in: jitterPercentRange)) / 100
    }
    if let port = fields["port"] { check.port = UInt16(try port.int(in: 1...65_535)) }
    return check
  }

  /// `200`, or a range `200-399`.
  static func readStatusRange(_ node: YAMLNodeReader) throws(ConfigError) -> ClosedRange<Int> {
    let text = try node.scalarText(expected: "a status code or range such as 200-399")
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    let numbers = parts.compactMap { Int($0) }
    guard numbers.count == parts.count, (1...2).contains(numbers.count),
      numbers.allSatisfy({ (100...599).contains($0) }), numbers.first! <= numbers.last!
    else {
      throw node.error("expected a status code or range within 100-599, such as 200 or 200-399, got '\(text)'")
    }
    return numbers.first!...numbers.last!
  }

  static func readObserve(_ node: YAMLNodeReader) throws(ConfigError) -> ObserveConfig {
    let fields = try node.mapping(knownKeys: ["failures"])
    return ObserveConfig(failures: try fields.required("failures").int(in: thresholdRange))
  }

  static func readWhenAllDown(_ node: YAMLNodeReader) throws(ConfigError) -> WhenAllDown {
    if case .scalar = node.node {
      let text = try node.string()
      guard text == "close" else { throw node.error("expected 'close' or { respond_file: PATH }, got '\(text)'") }
      return .close
    }
    let fields = try node.mapping(knownKeys: ["respond_file"])
    let pathNode = try fields.required("respond_file")
    let path = try pathNode.string()
    guard path.hasPrefix("/") else { throw pathNode.error("respond_file must be an absolute path") }
    // Checked now so that `splicer check` catches it; read again when the proxy starts.
    if let problem = ConfigFileReader.readabilityProblem(path) {
      throw pathNode.error("respond_file \(path): \(problem)")
    }
    return .respondFile(path: path)
  }
}
