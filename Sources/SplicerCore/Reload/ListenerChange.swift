/// What a reload does with one listener, as `ReloadPlan` decides it.
///
/// Only `rebind` and `add` bind sockets; `keep` and `rename` carry the running sockets over, so
/// the clients waiting in their backlogs are not reset; `remove` closes them once the workers
/// have served what waits there.
enum ListenerChange: Equatable, Sendable {
  /// The running config has this name with the same bind and backlog: the listener keeps its
  /// sockets, its `ListenerLimit` and its counter row, and takes the new routes, mode and
  /// limit.
  case keep(String)
  /// A new name on the fixed address and backlog of a running listener that the new config
  /// lacks: the new name takes over that listener's sockets and its `ListenerLimit`, so the
  /// connections it has open count against the new name and their closes wake it.
  case rename(from: String, to: String)
  /// The running config has this name on another bind or backlog: new sockets are bound, and
  /// the old ones serve their backlog and close.
  ///
  /// `probe`: check first that no other socket listens on the address. False for port 0 (a
  /// fresh port each time) and for an address the running config binds, where the proxy's
  /// own socket would fail the check.
  case rebind(String, probe: Bool)
  /// A name the running config lacks and renames nothing into: new sockets are bound.
  /// `probe` as for `rebind`.
  case add(String, probe: Bool)
  /// A running listener the new config neither has nor renames: its sockets serve their
  /// backlog and close. Its `ListenerLimit` stays with `ProxyServer` under its name.
  case remove(String)

  /// The listener's name in the new config; nil for `remove`.
  var newName: String? {
    switch self {
    case .keep(let name), .rename(_, let name), .rebind(let name, _), .add(let name, _): name
    case .remove: nil
    }
  }

  /// The running listener whose sockets and `ListenerLimit` this one carries on; nil for a
  /// listener bound anew.
  var carriesSocketsOf: String? {
    switch self {
    case .keep(let name), .rename(let name, _): name
    case .rebind, .add, .remove: nil
    }
  }
}
