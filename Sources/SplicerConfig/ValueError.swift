/// Why one scalar (a duration, a size, an address) could not be parsed.
///
/// The value parsers do not know where the text came from; `YAMLNodeReader` turns this into a
/// `ConfigError` carrying the node's file, line, column and key.
struct ValueError: Error, Equatable {
  var message: String

  init(_ message: String) {
    self.message = message
  }
}
