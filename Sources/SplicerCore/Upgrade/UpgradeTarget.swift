import Glibc
import SplicerSystem

/// The process `splicer upgrade --pid PID` is asked to upgrade, once /proc has shown that it
/// is a Splicer: its pid and the ids it runs as (design live-upgrade.md §10.3, steps 1 and 2).
///
/// Pure: built from a `ProcessDescription` the command read, so the checks are tested on
/// tables of /proc contents.
public struct UpgradeTarget: Sendable, Equatable {
  /// The name Splicer's executable has, in `comm` and as the base name of `exe`.
  public static let commandName = "splicer"

  public var pid: Int32
  /// The real uid and gid (the first of the four in /proc/PID/status).
  public var uid: UInt32
  public var gid: UInt32

  public init(pid: Int32, uid: UInt32, gid: UInt32) {
    self.pid = pid
    self.uid = uid
    self.gid = gid
  }

  /// Accepts `description` when its command name is `splicer`, or else when its executable's
  /// base name is (a process that renamed its main thread, or a `comm` cut short), and when it
  /// blocks, ignores or catches the request signal.
  public static func check(pid: Int32, description: ProcessDescription) throws(UpgradeTargetError) -> UpgradeTarget {
    guard description.command == commandName || description.executable.map(isSplicerExecutable) == true else {
      throw .notSplicer(pid: pid, command: description.command, executable: description.executable)
    }
    // A Splicer without the live upgrade leaves SIGUSR2 to its default action, which ends the
    // process: asking it would stop the service instead of upgrading it.
    guard description.handles(UpgradeReply.requestSignal) else {
      throw .requestNotHandled(pid: pid)
    }
    return UpgradeTarget(pid: pid, uid: description.status.uids[0], gid: description.status.gids[0])
  }

  /// Whether an `exe` link names a file called `splicer`, also once it was replaced on disk
  /// (an upgrade installs the new binary at the same path, so the old one's link says
  /// `/usr/local/bin/splicer (deleted)`).
  static func isSplicerExecutable(_ path: String) -> Bool {
    var path = Substring(path)
    let deleted = " (deleted)"
    if path.hasSuffix(deleted) { path = path.dropLast(deleted.count) }
    return path.split(separator: "/").last == Substring(commandName)
  }

  /// The ids the command must switch to before it signals the target, or nil to stay as it is.
  ///
  /// Root signals anyone, but the target replies with its own uid, and kill(2) lets it signal
  /// only a process whose real or saved uid is that uid: so a root command takes the target's
  /// uid and gid (numbers, so a `DynamicUser=` uid without a passwd entry works). Nothing the
  /// command does needs root. A non-root command keeps its ids: it can signal only a target of
  /// its own uid anyway, and sigqueue reports EPERM otherwise.
  public func identityToTake(callerEffectiveUID: UInt32) -> UserIdentity? {
    guard callerEffectiveUID == 0, uid != 0 else { return nil }
    return UserIdentity(user: "\(uid)", uid: uid, group: "\(gid)", gid: gid)
  }
}
