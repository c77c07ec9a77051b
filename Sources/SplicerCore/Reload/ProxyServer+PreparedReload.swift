import SplicerRouting
import SplicerSystem

extension ProxyServer {
  /// A reload built but not yet applied: the first half of `ProxyServer.reload(to:)`, made by
  /// `ProxyServer.prepareReload(to:)`.
  ///
  /// Owns the sockets bound for the new and rebound listeners until it is committed (the
  /// workers take them) or abandoned (they are closed). Noncopyable, so that it is committed or
  /// abandoned once. Between the two halves nothing of the running proxy has changed but the
  /// host names the resolver refreshes, which abandoning sets back; a live upgrade's new process
  /// binds its own config's listeners this way before it asks for the state, and commits after.
  public struct PreparedReload: ~Copyable {
    let plan: ReloadPlan
    let generation: ConfigGeneration
    /// The running generation the reload was built over; a commit over another is a bug.
    let over: ConfigGeneration
    let layout: StatsLayout
    /// The server's limits with the renamed listeners' moved; the new maxima are set at commit.
    let limits: [String: ListenerLimit]
    let routing: RoutingTable
    let contexts: [String: ListenerContext]
    let bound: [BoundListener]
    let newSockets: [(fds: [Int32], context: ListenerContext, address: SocketAddress)]

    /// What the reload changes, for the log.
    public var summary: ReloadSummary { plan.summary }
  }
}
