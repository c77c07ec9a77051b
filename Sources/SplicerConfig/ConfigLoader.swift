#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns a YAML config file into a validated `Configuration`, or the first `ConfigError` in it.
///
/// The YAML is composed into a `YAMLNode` tree and walked by hand instead of decoded with Codable, so
/// that every error (wrong type, unknown key, bad address, dangling pool name) carries the line,
/// column and dotted key of the node at fault.
public enum ConfigLoader {
  /// Workers used when the file has no `workers` key: one per online core.
  public static var defaultWorkers: Int {
    let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return min(max(Int(cores), 1), workersRange.upperBound)
  }

  /// Reads and validates the config file at `path`; an unreadable file is a `ConfigError` too.
  public static func load(path: String) throws(ConfigError) -> Configuration {
    try load(source: ConfigSource.read(path: path))
  }

  /// Validates config text; `file` is only used to label errors.
  public static func parse(yaml: String, file: String = "<config>") throws(ConfigError) -> Configuration {
    guard let root = try compose(yaml: yaml, file: file) else {
      throw ConfigError(
        file: file, line: 1, column: 1,
        message: "the config is empty; expected a mapping with at least 'listeners' and 'pools'")
    }
    return try configuration(from: YAMLNodeReader(node: root, file: file))
  }

  /// The document's root node, nil for an empty document (nothing, or only comments).
  static func compose(yaml: String, file: String) throws(ConfigError) -> YAMLNode? {
    try NestingGuard.check(yaml, file: file)
    let root: YAMLNode?
    do {
      root = try YAMLComposer.composeSingleDocument(yaml)
    } catch {
      throw ConfigError(yamlError: error, yaml: yaml, file: file)
    }
    guard let root, !YAMLNodeReader(node: root, file: file).isNull else {
      return nil
    }
    return root
  }
}
