import Logging
import SplicerConfig
import SplicerCore
import SplicerMetrics
import SplicerResolution
import SplicerSystem

/// What the new process of a live upgrade builds while `UpgradeReceiver` runs
/// (`RunCommand+Upgrade`): the recipient, made from the old process's running config; before
/// `ReadyForState`, everything that can fail (this binary's config as a prepared reload, which
/// binds the listeners it adds; every thread); at the commit, the launch of what was prepared
/// and the admin endpoint on the adopted socket.
///
/// Owns the prepared reload until the commit applies it. Used on the main thread only (the
/// receiver calls back on the thread that runs it).
final class UpgradeAdoption {
  private let loaded: Result<(ConfigSource, Configuration), ConfigError>
  private let fault: UpgradeReceiver.FaultHook?
  private let logger: Logger
  private let reloads: ReloadCounters
  private let upgrades: UpgradeCounters
  private let discovery: ServiceDiscovery
  private(set) var exporter: MetricsExporter?
  /// The admin endpoint's thread, made before the commit when the running config has one.
  private var adminLoop: AdminEventLoop?
  private var reload: ProxyServer.PreparedReload?
  /// The configuration `reload` applies.
  private var reloaded: Configuration?
  private(set) var recipient: ProxyUpgradeRecipient?
  private(set) var admin: AdminServer?
  private(set) var adminSocket: Int32?
  /// The configuration running after the commit: this binary's file once its reload is
  /// applied, else the old process's.
  private(set) var running: Configuration?
  /// What failed after the commit (the last steps that cannot move before it): the process
  /// must exit rather than run half started.
  private(set) var launchFailure: String?

  /// - Parameter loaded: this binary's config file, or why it was rejected (the refusal the
  ///   old process logs).
  /// - Parameter fault: the test build's fault hook; asked at `.start`.
  init(
    loaded: Result<(ConfigSource, Configuration), ConfigError>, fault: UpgradeReceiver.FaultHook?, logger: Logger,
    reloads: ReloadCounters, upgrades: UpgradeCounters, discovery: ServiceDiscovery
  ) {
    self.loaded = loaded
    self.fault = fault
    self.logger = logger
    self.reloads = reloads
    self.upgrades = upgrades
    self.discovery = discovery
  }

  /// `UpgradeReceiver`'s closure.
  func makeRecipient(_ record: RunningConfigRecord) throws -> UpgradeRecipient {
    if case .failure(let configError) = loaded { throw UpgradeNotice(.configInvalid, "\(configError)") }
    let made = try ProxyUpgradeRecipient(
      record, logger: logger, onBuilt: { [unowned self] server in try prepare(server) },
      onCommit: { [unowned self] server, socket in committed(server: server, adminSocket: socket) })
    // The exporter must back swift-metrics before the proxy creates its latency recorders.
    if made.running.configuration.admin != nil {
      let created = MetricsExporter()
      created.bootstrapMetricsSystem()
      exporter = created
    }
    recipient = made
    running = made.running.configuration
    return made
  }

  /// Before `ReadyForState`: what fails here is a refusal, and the old process keeps serving.
  private func prepare(_ server: ProxyServer) throws {
    if case .success(let (source, configuration)) = loaded {
      // This binary's file, as a reload over the running config: every rule of a reload
      // holds, and the listeners it adds are bound now (a taken port refuses the upgrade).
      let generation = ConfigGeneration(
        number: server.state.generation.number + 1, source: source, configuration: discovery.prepare(configuration))
      do {
        reload = try server.prepareReload(to: generation)
        reloaded = generation.configuration
      } catch {
        throw UpgradeNotice(.reloadFailed, "\(error)")
      }
    }
    do {
      if fault?(.start) == .fail { throw ProxyStartError(message: "fault injected at start") }
      try server.prepareStart()
      try discovery.prepareStart()
    } catch {
      // The process exits after a refusal; what was bound and made goes with it, but the
      // reload's sockets are closed here so that nothing outlives the refusal by accident.
      if let prepared = self.reload.take() { server.abandonReload(prepared) }
      throw UpgradeNotice(.startFailed, "\(error)")
    }
    // SwiftNIO traps when it cannot make its thread: here, that is the new process's death
    // before the commit, which the old process rolls back from too.
    if exporter != nil { adminLoop = AdminEventLoop() }
  }

  /// The commit: from here on everything is this process's. Only what cannot move before it
  /// is left, each failure recorded for `RunCommand` to exit on.
  private func committed(server: ProxyServer, adminSocket socket: Int32?) {
    // On top of the old process's count, which `CarriedSeries` adds.
    upgrades.count(.upgraded)
    adminSocket = socket
    do {
      try server.launch()
    } catch {
      launchFailure = "the adopted listeners could not be registered: \(error)"
      return
    }
    discovery.launch()
    if let prepared = self.reload.take() {
      let summary = prepared.summary
      server.commitReload(prepared)
      running = reloaded
      logger.notice("reloaded", metadata: ["changes": "\(summary)", "after": "upgrade"])
    }
    guard let socket, let exporter, let recipient else { return }
    // Before the first scrape: the histograms go on from the old process's counts.
    exporter.carry(histograms: recipient.carriedHistograms)
    let series = ProcessSeries(
      reloads: reloads, upgrades: upgrades, discovery: discovery, carried: CarriedSeries(recipient.carriedSeries))
    do {
      admin = try RunCommand.startAdmin(
        socket: socket, exporter: exporter, server: server, series: series, logger: logger, eventLoop: adminLoop)
    } catch {
      launchFailure = "the adopted admin endpoint did not start: \(error)"
    }
  }
}
