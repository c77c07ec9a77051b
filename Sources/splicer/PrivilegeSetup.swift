import Glibc
import Logging
import SplicerConfig
import SplicerSystem

/// Gives up what the process no longer needs once its sockets are bound: started as root, it
/// becomes `user:`/`group:` and keeps no capability but CAP_NET_BIND_SERVICE, and that only
/// with `keep_bind_capability: true`; started unprivileged with capabilities (systemd's
/// AmbientCapabilities), it drops them the same way.
///
/// Runs on the main thread before any other thread exists (`PrivilegeDrop` checks that).
enum PrivilegeSetup {
  static func apply(_ privileges: Privileges, logger: Logger) throws {
    let kept: CapabilitySet = privileges.keepBindCapability ? [.netBindService] : []
    let isRoot = geteuid() == 0
    var identity: UserIdentity?
    if let user = privileges.user {
      let resolved = try UserSwitch.resolve(user: user, group: privileges.group)
      if isRoot {
        identity = resolved
      } else if resolved.uid != geteuid() || resolved.gid != getegid() {
        throw ProxyStartErrorMessage("user: switching to \(resolved) needs to start as root")
      }
    } else if isRoot {
      logger.warning("running as root: set 'user:' in the config to switch to an unprivileged user")
    }
    let before = try Capabilities.current()
    guard isRoot || !before.permitted.isEmpty else { return }
    let after = try PrivilegeDrop.run(switchingTo: identity, keeping: kept)
    logger.notice(
      "privileges dropped",
      metadata: [
        "uid": "\(getuid())", "gid": "\(getgid())", "user": "\(identity?.description ?? "unchanged")",
        "capabilities": "\(after)",
      ])
  }
}

/// A start-up refusal with a message for the operator.
struct ProxyStartErrorMessage: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
