import Logging
import SplicerConfig
import SplicerCore
import SplicerMetrics
import SplicerResolution
import SplicerSystem

/// What the new process of a live upgrade builds while `UpgradeReceiver` runs
/// (`RunCommand+Upgrade`): the recipient, made from the old process's running config, and at
/// the commit the started proxy and its admin endpoint on the adopted socket.
///
/// Used on the main thread only (the receiver calls back on the thread that runs it).
final class UpgradeAdoption {
  private let configError: ConfigError?
  private let logger: Logger
  private let reloads: ReloadCounters
  private let upgrades: UpgradeCounters
  private let discovery: ServiceDiscovery
  private(set) var exporter: MetricsExporter?
  private(set) var recipient: ProxyUpgradeRecipient?
  private(set) var admin: AdminServer?
  private(set) var adminSocket: Int32?

  /// - Parameter configError: why this binary rejected its own config file, if it did: the
  ///   refusal the old process logs.
  init(
    configError: ConfigError?, logger: Logger, reloads: ReloadCounters, upgrades: UpgradeCounters,
    discovery: ServiceDiscovery
  ) {
    self.configError = configError
    self.logger = logger
    self.reloads = reloads
    self.upgrades = upgrades
    self.discovery = discovery
  }

  /// `UpgradeReceiver`'s closure.
  func makeRecipient(_ record: RunningConfigRecord) throws -> UpgradeRecipient {
    if let configError { throw UpgradeNotice(.configInvalid, "\(configError)") }
    let made = try ProxyUpgradeRecipient(record, logger: logger) { [unowned self] server, socket in
      committed(server: server, adminSocket: socket)
    }
    // The exporter must back swift-metrics before the proxy creates its latency recorders.
    if made.running.configuration.admin != nil {
      let created = MetricsExporter()
      created.bootstrapMetricsSystem()
      exporter = created
    }
    recipient = made
    return made
  }

  /// The commit: from here on everything is this process's.
  private func committed(server: ProxyServer, adminSocket socket: Int32?) {
    // On top of the old process's count, which `CarriedSeries` adds.
    upgrades.count(.upgraded)
    do {
      try server.start()
    } catch {
      logger.critical("the adopted proxy did not start", metadata: ["error": "\(error)"])
    }
    adminSocket = socket
    guard let socket, let exporter, let recipient else { return }
    // Before the first scrape: the histograms go on from the old process's counts.
    exporter.carry(histograms: recipient.carriedHistograms)
    let series = ProcessSeries(
      reloads: reloads, upgrades: upgrades, discovery: discovery, carried: CarriedSeries(recipient.carriedSeries))
    do {
      admin = try RunCommand.startAdmin(
        socket: socket, exporter: exporter, server: server, series: series, logger: logger)
    } catch {
      logger.error("the adopted admin endpoint did not start", metadata: ["error": "\(error)"])
    }
  }
}

extension Result {
  /// The failure, or nil.
  var failure: Failure? {
    if case .failure(let error) = self { return error }
    return nil
  }
}
