/// Why an upgrade is refused (before anything is frozen) or aborted (after), as it travels in
/// `Refuse` and `Abort`, and as `splicer upgrade` reports it (design §4.1, §5.1, §9).
public enum UpgradeRefusal: UInt16, Sendable, CaseIterable {
  /// The two binaries share no wire version.
  case incompatibleVersion = 1
  /// The new binary rejects its config file.
  case configInvalid = 2
  /// The new binary cannot read a running config generation.
  case runningConfigUnreadable = 3
  /// The new config's reload cannot be prepared: a listener it adds does not bind, a fallback
  /// file does not open.
  case reloadFailed = 4
  /// The new process's `RLIMIT_NOFILE` cannot hold the descriptors announced.
  case descriptorLimit = 5
  /// The two processes run on different boots, so their monotonic clocks do not compare.
  case bootMismatch = 6
  /// The peer runs as another user.
  case uidMismatch = 7
  /// A record that does not decode, or a descriptor that does not match its record.
  case recordInvalid = 8
  /// Fewer descriptors arrived than were sent (`MSG_CTRUNC`, or the count in the header).
  case descriptorsTruncated = 9
  /// A step took longer than the upgrade timeout allows.
  case timedOut = 10
  /// Stopped from outside: SIGTERM or SIGINT during the upgrade.
  case aborted = 11
  /// The new process could not make what it must hold before the commit (a thread).
  case startFailed = 12
}
