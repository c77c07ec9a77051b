import Glibc

/// Resolves a user and group and makes the process run as them.
///
/// The switch drops the supplementary groups, then sets the real, effective and saved group id,
/// then the user ids (the group first, while the process still has the right to change it),
/// and reads /proc back to check all four ids of each kind. glibc applies set*id calls to every
/// thread, but capabilities are per thread, so like `Capabilities` this runs on the main thread
/// before any other thread starts, and refuses otherwise.
public enum UserSwitch {
  /// Resolves `user` and `group` through NSS (getpwnam_r, getgrnam_r): names, or numbers when no
  /// entry has that name. Without `group`, the user's primary group is used.
  public static func resolve(user: String, group: String? = nil) throws(PrivilegeError) -> UserIdentity {
    let account: (name: String, uid: uid_t, gid: gid_t?)
    if let entry = try lookUp(user: user) {
      account = (entry.name, entry.uid, entry.gid)
    } else if let number = uid_t(user) {
      let entry = try lookUp(uid: number)
      account = (entry?.name ?? user, number, entry?.gid)
    } else {
      throw PrivilegeError(.unknownUser(user))
    }
    if let group {
      if let entry = try lookUp(group: group) {
        return UserIdentity(user: account.name, uid: account.uid, group: entry.name, gid: entry.gid)
      }
      guard let number = gid_t(group) else { throw PrivilegeError(.unknownGroup(group)) }
      let name = try lookUp(gid: number)?.name ?? group
      return UserIdentity(user: account.name, uid: account.uid, group: name, gid: number)
    }
    guard let gid = account.gid else { throw PrivilegeError(.groupRequired(user: user)) }
    let groupName = try lookUp(gid: gid)?.name ?? "\(gid)"
    return UserIdentity(user: account.name, uid: account.uid, group: groupName, gid: gid)
  }

  /// Switches the process to `identity`: no supplementary groups, then setregid, then setreuid,
  /// each with the same id for real and effective, which as root sets the saved id too.
  ///
  /// Does nothing when the process already runs as exactly `identity`. Needs CAP_SETUID and
  /// CAP_SETGID (root) otherwise. On return the effective capability set is empty unless
  /// PR_SET_KEEPCAPS was on (see `PrivilegeDrop.run`, which handles that).
  public static func switchIdentity(to identity: UserIdentity) throws(PrivilegeError) {
    try switchIdentity(to: identity, requiringSingleThread: true)
  }

  /// `switchIdentity`; tests pass `requiringSingleThread: false` to run it with XCTest's threads.
  static func switchIdentity(to identity: UserIdentity, requiringSingleThread: Bool) throws(PrivilegeError) {
    if requiringSingleThread { try ProcessStatus.requireSingleThread() }
    if try isCurrent(identity) { return }
    let capabilities: CapabilityState
    do {
      capabilities = try Capabilities.current()
    } catch {
      throw PrivilegeError(.syscall(error))
    }
    guard capabilities.effective.isSuperset(of: [.setUID, .setGID]) else {
      throw PrivilegeError(.needsRoot(euid: geteuid()))
    }
    if setgroups(0, nil) != 0 {
      throw PrivilegeError(.syscall(SyscallError(call: "setgroups([])", errno: Glibc.errno)))
    }
    if setregid(identity.gid, identity.gid) != 0 {
      throw PrivilegeError(.syscall(SyscallError(call: "setregid(\(identity.gid))", errno: Glibc.errno)))
    }
    if setreuid(identity.uid, identity.uid) != 0 {
      throw PrivilegeError(.syscall(SyscallError(call: "setreuid(\(identity.uid))", errno: Glibc.errno)))
    }
    if try !isCurrent(identity) {
      let status = try? ProcessStatus.currentThread()
      throw PrivilegeError(
        .verificationFailed(
          "wanted \(identity), have uids \(status?.uids ?? []) gids \(status?.gids ?? []) "
            + "groups \(status?.groups ?? [])"))
    }
  }

  /// Whether the calling thread's four uids and four gids are the identity's and it has no
  /// supplementary groups.
  static func isCurrent(_ identity: UserIdentity) throws(PrivilegeError) -> Bool {
    let status: ProcessStatus
    do {
      status = try ProcessStatus.currentThread()
    } catch {
      throw PrivilegeError(.syscall(error))
    }
    return status.uids.allSatisfy { $0 == identity.uid } && status.gids.allSatisfy { $0 == identity.gid }
      && status.groups.isEmpty
  }
}
