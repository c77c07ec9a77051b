/// Why one scalar (a duration, a size, an address, a CIDR, a server name pattern) could not be parsed.
///
/// The value parsers do not know where the text came from; `YAMLNodeReader` turns this into a
/// `ConfigError` carrying the node's file, line, column and key. Public because the value types'
/// `init(parsing:)` throw it, so that other modules and tests can parse single values.
public struct ValueError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong with the text, phrased for the operator.
  public var message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}
