/// A problem with a config file that the operator has to fix, located like a compiler diagnostic.
///
/// `description` reads `FILE:LINE:COLUMN: error: KEY: MESSAGE`, so `splicer check` can print it as is
/// and editors can jump to the spot. Line and column are 1-based; parts that are unknown (a file that
/// cannot be opened has no line, a YAML syntax error has no key) are left out.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The path of the config file as given to the loader.
  public var file: String
  /// 1-based line of the offending node, or nil when the problem is the file as a whole.
  public var line: Int?
  /// 1-based column (in Unicode scalars) of the offending node.
  public var column: Int?
  /// Dotted path of the offending key, e.g. `listeners[0].bind` or `pools.app.servers[1].address`.
  public var key: String?
  /// What is wrong, phrased for the operator, without the location.
  public var message: String

  public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  public var description: String {
    var location = file
    if let line {
      location += ":\(line)"
      if let column {
        location += ":\(column)"
      }
    }
    if let key, !key.isEmpty {
      return "\(location): error: \(key): \(message)"
    }
    return "\(location): error: \(message)"
  }
}
