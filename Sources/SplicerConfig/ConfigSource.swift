/// A config as the loader read it: the path it came from and the exact bytes read there.
///
/// Kept so that the same `Configuration` can be built again without the file, which may have
/// changed or gone since: `ConfigLoader.load(source:)` gives the configuration the bytes gave
/// when they were read (a live upgrade rebuilds each running config generation from them).
/// Immutable; held by whoever keeps the configuration it was loaded into.
public struct ConfigSource: Sendable, Equatable {
  /// The path as given to the loader (not resolved); also the file errors are labelled with.
  public let path: String
  /// The file's contents, byte for byte, as read before parsing.
  public let bytes: [UInt8]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
  }

  /// Config text that never was a file (tests, `ConfigLoader.parse`); `path` labels errors.
  public init(path: String = "<config>", yaml: String) {
    self.init(path: path, bytes: Array(yaml.utf8))
  }

  /// Reads the file at `path`; an unreadable or oversized file is the same `ConfigError` as
  /// `ConfigLoader.load(path:)` gives.
  public static func read(path: String) throws(ConfigError) -> ConfigSource {
    ConfigSource(path: path, bytes: try ConfigFileReader.configBytes(ofFile: path))
  }
}
