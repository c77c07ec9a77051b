/// Loading from bytes already read: the same checks and errors as from the file.
extension ConfigLoader {
  /// Validates the bytes of `source`; errors are labelled with its path, as if the file had
  /// been read now.
  public static func load(source: ConfigSource) throws(ConfigError) -> Configuration {
    try parse(yaml: try ConfigFileReader.text(of: source.bytes, file: source.path), file: source.path)
  }
}
