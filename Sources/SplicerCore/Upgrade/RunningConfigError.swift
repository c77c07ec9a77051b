/// A `RunningConfigRecord` the new process cannot rebuild for a reason other than its loader
/// rejecting a generation's bytes: the record is inconsistent.
public struct RunningConfigError: Error, CustomStringConvertible, Equatable {
  public let message: String

  public init(message: String) {
    self.message = message
  }

  public var description: String { "running config: \(message)" }
}
