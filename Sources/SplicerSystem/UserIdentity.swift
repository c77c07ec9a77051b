import Glibc

/// A user and group to run as, resolved to numbers by `UserSwitch.resolve` before any switch.
public struct UserIdentity: Sendable, Equatable, CustomStringConvertible {
  /// The user's name, or the number as given when it has no passwd entry.
  public var user: String
  public var uid: uid_t
  /// The group's name, or its number when it has no group entry.
  public var group: String
  public var gid: gid_t

  public init(user: String, uid: uid_t, group: String, gid: gid_t) {
    self.user = user
    self.uid = uid
    self.group = group
    self.gid = gid
  }

  /// `splicer(999):splicer(999)`.
  public var description: String { "\(user)(\(uid)):\(group)(\(gid))" }
}
