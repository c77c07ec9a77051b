import Glibc

/// The new process's side of the upgrade's environment: `SPLICER_UPGRADE_FD` names the
/// channel descriptor inherited from the old process, `SPLICER_UPGRADE_PID` the old process.
///
/// Checked like `SocketActivation.parse` checks LISTEN_PID: the variables count only when
/// the pid is our parent's, so that a process started by the new one (or one that copied its
/// environment) never takes a descriptor that is not its channel.
public enum UpgradeEnvironment {
  public static let descriptorVariable = "SPLICER_UPGRADE_FD"
  public static let parentVariable = "SPLICER_UPGRADE_PID"
  public static let variables = [descriptorVariable, parentVariable]

  /// The channel descriptor `environment` names for a process whose parent is `parentID`.
  ///
  /// Nil when SPLICER_UPGRADE_PID is unset or names another process (the variables were
  /// inherited), or SPLICER_UPGRADE_FD is unset; an error when a set value cannot be
  /// understood. 0, 1 and 2 are never a channel.
  public static func parse(environment: [String: String], parentID: Int32) throws(SystemdEnvironmentError)
    -> Int32?
  {
    guard let pidText = environment[parentVariable] else { return nil }
    guard let pid = Int32(pidText), pid > 0 else {
      throw SystemdEnvironmentError(variable: parentVariable, value: pidText, problem: "not a process id")
    }
    if pid != parentID { return nil }
    guard let fdText = environment[descriptorVariable] else { return nil }
    guard let fd = Int32(fdText), fd > 2 else {
      throw SystemdEnvironmentError(
        variable: descriptorVariable, value: fdText, problem: "not a descriptor number above 2")
    }
    return fd
  }

  /// Reads and then unsets both variables (so that no child inherits them) and parses them
  /// against `getppid()`. Does not touch the descriptor: the caller wraps it in a
  /// `DescriptorChannel` and checks its peer before reading.
  ///
  /// Call it once, on the main thread, at start-up (it edits the environment).
  public static func takeChannelDescriptor() throws(SystemdEnvironmentError) -> Int32? {
    let environment = ProcessEnvironment.values(of: variables)
    ProcessEnvironment.remove(variables)
    return try parse(environment: environment, parentID: getppid())
  }
}
