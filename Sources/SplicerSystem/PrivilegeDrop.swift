/// The whole privilege drop of a daemon started as root: switch user and group, keep no
/// capability but the ones asked for, in the one order that works.
///
/// Call it on the main thread after the listeners are bound and before any other thread starts
/// (workers, the admin endpoint's NIO threads, Dispatch). Capabilities are per thread, and a
/// thread started before the drop would keep everything.
public enum PrivilegeDrop {
  /// Switches to `identity` (when given) and then drops every capability except `kept`.
  ///
  /// The order matters: PR_SET_KEEPCAPS first, so that the switch away from uid 0 keeps the
  /// permitted set; then groups, gid and uid while CAP_SETGID/CAP_SETUID are still effective;
  /// then `Capabilities.dropAll`, which raises CAP_SETPCAP from the permitted set just long
  /// enough to shrink the bounding set, and leaves `kept` (if permitted) as the only effective
  /// and permitted capabilities. Without `identity`, only the capabilities are dropped.
  ///
  /// - Returns: the capability state after the drop, for the log.
  @discardableResult
  public static func run(switchingTo identity: UserIdentity?, keeping kept: CapabilitySet) throws(PrivilegeError)
    -> CapabilityState
  {
    try run(switchingTo: identity, keeping: kept, requiringSingleThread: true)
  }

  /// `run`; tests pass `requiringSingleThread: false` to drop on the calling thread only.
  @discardableResult
  static func run(switchingTo identity: UserIdentity?, keeping kept: CapabilitySet, requiringSingleThread: Bool)
    throws(PrivilegeError) -> CapabilityState
  {
    if requiringSingleThread { try ProcessStatus.requireSingleThread() }
    if let identity {
      do {
        try Capabilities.keepCapabilitiesAcrossUserSwitch(true)
      } catch {
        throw PrivilegeError(.syscall(error))
      }
      do {
        try UserSwitch.switchIdentity(to: identity, requiringSingleThread: requiringSingleThread)
      } catch {
        try? Capabilities.keepCapabilitiesAcrossUserSwitch(false)
        throw error
      }
      do {
        try Capabilities.keepCapabilitiesAcrossUserSwitch(false)
      } catch {
        throw PrivilegeError(.syscall(error))
      }
    }
    return try Capabilities.dropAll(keeping: kept, requiringSingleThread: requiringSingleThread)
  }
}
