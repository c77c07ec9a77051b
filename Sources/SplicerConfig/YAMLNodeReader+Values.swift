/// Accessors for the config's own value syntaxes (durations, sizes, addresses, names).
extension YAMLNodeReader {
  func duration() throws(ConfigError) -> Duration {
    try parsed(expected: "a duration (\(DurationParser.example))", DurationParser.parse)
  }

  /// A byte size within `range`, reported in the units the operator writes.
  func size(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
    let bytes = try parsed(expected: "a size such as 65536, 64KiB or 1MiB", SizeParser.parse)
    guard range.contains(bytes) else {
      let lower = SizeParser.format(range.lowerBound)
      let upper = SizeParser.format(range.upperBound)
      throw error("must be between \(lower) and \(upper), got \(SizeParser.format(bytes))")
    }
    return bytes
  }

  func endpoint(allowPortZero: Bool) throws(ConfigError) -> Endpoint {
    try parsed(expected: "an address (\(EndpointParser.example))") { text throws(ValueError) in
      try EndpointParser.parse(text, allowPortZero: allowPortZero)
    }
  }

  func serverAddress() throws(ConfigError) -> ServerAddress {
    try parsed(expected: "an address (\(ServerAddressParser.example))", ServerAddressParser.parse)
  }

  func cidr() throws(ConfigError) -> CIDR {
    try parsed(expected: "a network (\(CIDR.example))", CIDR.init(parsing:))
  }

  func sniPattern() throws(ConfigError) -> SNIPattern {
    try parsed(expected: "a server name such as api.example.com or *.example.com", SNIPattern.init(parsing:))
  }

  /// A listener or pool name: it ends up in logs and metric labels, so it is kept to a safe set.
  func name(of what: String) throws(ConfigError) -> String {
    let name = try string()
    if let problem = Self.checkName(name, of: what) {
      throw error(problem)
    }
    return name
  }

  /// Why `name` is not a valid `what` name, or nil if it is fine.
  static func checkName(_ name: String, of what: String) -> String? {
    if name.isEmpty {
      return "\(what) name must not be empty"
    }
    let allowed = name.unicodeScalars.allSatisfy { scalar in
      switch scalar {
      case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-": return true
      default: return false
      }
    }
    guard allowed else {
      return "\(what) name '\(name)' may only contain letters, digits, '_', '.' and '-'"
    }
    return nil
  }

  /// A user or group name as getpwnam/getgrnam take it: letters, digits, `_`, `-`, `.`, and
  /// not starting with `-`.
  func name(kind: String) throws(ConfigError) -> String {
    let text = try string()
    let allowed = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    guard !text.isEmpty, allowed, !text.hasPrefix("-") else {
      throw error("'\(text)' is not a valid \(kind) name")
    }
    return text
  }
}
