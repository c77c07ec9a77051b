import SplicerConfig
import SplicerRouting

/// Everything a reload decides, from the running configuration and the new one alone: which
/// settings only a restart applies, what happens to each listener (`ListenerChange`), whose
/// `max_connections` count moves to a new name, which listeners may have paused at a limit
/// that rose, and which host names to look up.
///
/// Pure: no sockets, no threads, no clock. `ProxyServer.reload(to:)` makes one and performs
/// it (binds, limit hand-overs, host names, worker updates); tests check the decisions
/// without a socket.
struct ReloadPlan: Equatable, Sendable {
  /// The configuration in force before the reload.
  let running: Configuration
  /// The configuration to apply: the new file, with `workers`, `tuning`, `admin` and the
  /// privileges taken from `running`.
  let configuration: Configuration
  /// The settings that only a restart applies and that the new file changes, for the summary.
  /// `log.level` and `log.format` are listed but not put back: the log handler reads them
  /// once at start-up, so the new values are inert.
  let ignored: [String]
  /// One change per listener of `configuration`, in its order, then a `remove` per listener
  /// of `running` that `configuration` neither has nor renames, in `running`'s order.
  let listeners: [ListenerChange]

  init(from running: Configuration, to new: Configuration) {
    self.running = running
    var ignored: [String] = []
    if new.workers != running.workers { ignored.append("workers") }
    if new.tuning != running.tuning { ignored.append("tuning") }
    if new.admin != running.admin { ignored.append("admin") }
    if new.privileges != running.privileges { ignored.append("user/group") }
    if new.log.level != running.log.level || new.log.format != running.log.format {
      ignored.append("log.level/log.format")
    }
    self.ignored = ignored
    var effective = new
    effective.workers = running.workers
    effective.tuning = running.tuning
    effective.admin = running.admin
    effective.privileges = running.privileges
    self.configuration = effective
    self.listeners = Self.listenerChanges(from: running, to: effective)
  }

  /// Old name → new name of the listeners renamed on their address. The new name takes over
  /// the old one's sockets and its `ListenerLimit` (the hand-over of the count).
  var renamed: [String: String] {
    var renamed: [String: String] = [:]
    for case .rename(let from, let to) in listeners { renamed[from] = to }
    return renamed
  }

  /// Listeners bound anew under a name the running config has (`WorkerUpdate.rebound`).
  var rebound: Set<String> {
    var names: Set<String> = []
    for case .rebind(let name, _) in listeners { names.insert(name) }
    return names
  }

  /// The host names to resolve for `configuration` (`HostnameResolver.prepare`).
  var hostNames: [(host: String, port: UInt16, interval: Duration)] {
    RoutingTable.hostNames(in: configuration)
  }

  /// The host names of `running`, which the resolver goes back to when the reload fails.
  var runningHostNames: [(host: String, port: UInt16, interval: Duration)] {
    RoutingTable.hostNames(in: running)
  }
}
