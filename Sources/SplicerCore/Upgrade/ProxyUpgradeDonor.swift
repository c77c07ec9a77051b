import Glibc
import SplicerSystem

/// A running proxy as the old process's side of a live upgrade (`UpgradeDonor`): what the
/// `UpgradeCoordinator` asks of it, done by the workers (`ProxyServer+Upgrade`), the listener
/// report (`ProxyServer+UpgradeListeners`) and the counter and health snapshots.
///
/// Made by the executable's `Supervisor` for one upgrade, on the main thread. The admin
/// endpoint belongs to the executable, so its socket and its stop come in from there, with the
/// process-wide counter series (`HealthSnapshot.series`) and the latency histograms (its
/// exporter's) the new process carries on.
public final class ProxyUpgradeDonor: UpgradeDonor {
  private let server: ProxyServer
  private let adminSocket: Int32?
  private let carriedSeries: () -> [HealthSnapshot.Series]
  private let carriedHistograms: () -> [HistogramSnapshot]
  private let stopAdmin: () -> Void

  public init(
    server: ProxyServer, adminSocket: Int32?, carriedSeries: @escaping () -> [HealthSnapshot.Series],
    carriedHistograms: @escaping () -> [HistogramSnapshot] = { [] }, stopAdmin: @escaping () -> Void
  ) {
    self.server = server
    self.adminSocket = adminSocket
    self.carriedSeries = carriedSeries
    self.carriedHistograms = carriedHistograms
    self.stopAdmin = stopAdmin
  }

  /// The descriptor total is this process's whole table: every descriptor the handover can
  /// send is in it, so a new process that has room for it has room for the handover.
  public func runningConfig() -> RunningConfigRecord {
    let open = DirectoryEntries.names(in: "/proc/self/fd")?.count ?? 0
    return server.runningConfigRecord(descriptorTotal: UInt32(clamping: open))
  }

  public func listenerRecords() -> [DescriptorBatcher.Item<ListenerRecord>] {
    // Empty when a worker does not answer: the new process then finds no listener and refuses.
    server.listenerRecords(adminSocket: adminSocket, timeout: .seconds(2)) ?? []
  }

  public func freeze(timeout: Duration) throws -> [WorkerHandover] {
    try server.freezeWorkers(timeout: timeout)
  }

  public func counters() -> [CounterSnapshot] {
    CounterSnapshot.chunks(of: WorkerStats.summed(server.stats, layout: server.state.layout))
  }

  public func health() -> HealthSnapshot {
    HealthSnapshot(rows: server.health.seedRows(server.state.layout.servers.count), series: carriedSeries())
  }

  public func histograms() -> [HistogramSnapshot] {
    carriedHistograms()
  }

  public func resume() {
    server.resumeWorkers()
  }

  public func relinquish() {
    if !server.relinquishWorkers(timeout: .seconds(5)) {
      // A worker stuck in its loop keeps its copies; the process exits right after anyway,
      // and a plain close at exit acts on nothing the new process holds.
      server.logger.error("a worker did not relinquish its sessions within 5 s")
    }
  }

  /// Stops the workers (each closes its listener copies with a plain close: the sockets are
  /// the new process's now) and the admin endpoint.
  public func releaseListeners() {
    server.stop()
    stopAdmin()
  }
}
