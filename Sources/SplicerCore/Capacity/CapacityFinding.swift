/// One thing a config may need more of than the machine allows, said with the setting that
/// would change it. Produced by `CapacityPlan`; `splicer check` prints them and `splicer run`
/// logs them at start-up.
public struct CapacityFinding: Sendable, Equatable, CustomStringConvertible {
  public enum Severity: String, Sendable, Equatable {
    /// The config, at its limits, needs more than the machine allows.
    case warning
    /// Nothing in the config bounds this resource: the machine's limit is the bound, and the
    /// note says where it lies.
    case note
  }

  /// What runs short.
  public enum Resource: String, Sendable, Equatable {
    case descriptors
    case pipes
    case backlog
    case localPorts = "local_ports"
  }

  public var severity: Severity
  public var resource: Resource
  public var message: String

  public init(_ severity: Severity, _ resource: Resource, _ message: String) {
    self.severity = severity
    self.resource = resource
    self.message = message
  }

  public var description: String { "\(severity.rawValue): \(resource.rawValue): \(message)" }
}
