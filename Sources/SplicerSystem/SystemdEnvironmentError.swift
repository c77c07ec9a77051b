/// An environment variable of the systemd protocols (NOTIFY_SOCKET, WATCHDOG_USEC,
/// LISTEN_FDS, ...) that is set but cannot be understood.
///
/// systemd itself never sets such values; seeing one means someone set the variable by hand,
/// so the message names the variable and repeats its value.
public struct SystemdEnvironmentError: Error, CustomStringConvertible, Equatable {
  public var variable: String
  public var value: String
  /// What is wrong with the value, without the variable.
  public var problem: String

  public init(variable: String, value: String, problem: String) {
    self.variable = variable
    self.value = value
    self.problem = problem
  }

  public var description: String { "\(variable)='\(value)': \(problem)" }
}
