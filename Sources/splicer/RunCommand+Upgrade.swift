import ArgumentParser
import Glibc
import Logging
import SplicerConfig
import SplicerCore
import SplicerLogging
import SplicerMetrics
import SplicerResolution
import SplicerSystem

/// `splicer run` started by a running Splicer for a live upgrade (`SPLICER_UPGRADE_FD`): instead
/// of binding, it takes over the old process's listeners and sessions through
/// `UpgradeReceiver` (docs/design/live-upgrade.md), starts from the old process's running
/// config, then applies its own config file as a reload. Until the commit it changes nothing
/// the old process holds, and it prepares before it everything that can fail
/// (`UpgradeAdoption`): any failure there ends this process with status 1 and the old one
/// carries on. The one step left after the commit that can fail (registering the adopted
/// listening sockets and the admin socket) ends it with status 1 too, for the service manager
/// to restart: never a process that serves half.
extension RunCommand {
  func runAdopting(channel: Int32, executablePath: String?) throws {
    // The file is checked first; a bad one is the refusal the old process reports.
    let loaded: Result<(ConfigSource, Configuration), ConfigError>
    do throws(ConfigError) {
      let source = try ConfigSource.read(path: options.config)
      loaded = .success((source, try ConfigLoader.load(source: source)))
    } catch {
      loaded = .failure(error)
    }
    let logConfig = (try? loaded.get().1.log) ?? LogConfig()
    LoggingSystem.bootstrap { label in
      StructuredLogHandler(label: label, level: Logger.Level(logConfig.level), format: logConfig.format)
    }
    let logger = Logger(label: "splicer")
    defer { LogWriter.standardError.finish() }
    let notify = (try? SystemdNotify.fromProcessEnvironment()) ?? .disabled
    Signals.ignoreBrokenPipe()
    Signals.block(Supervisor.handledSignals)
    let reloads = ReloadCounters()
    let upgrades = UpgradeCounters()
    let mainThread = pthread_self()
    let discovery = try ServiceDiscovery(logger: logger) { _ = pthread_kill(mainThread, Supervisor.discoverySignal) }
    if case .success(let (_, configuration)) = loaded {
      // Capabilities and uids are per thread: dropped before the first thread starts (the
      // log writer's). The old process dropped them already; this drops what the exec gave.
      try PrivilegeSetup.apply(configuration.privileges, logger: logger)
    }
    try LogWriter.standardError.startThread()

    // Read once (it unsets the variable): the receiver and the adoption share it.
    let fault = UpgradeFaultInjection.fromEnvironment()
    let adoption = UpgradeAdoption(
      loaded: loaded, fault: fault, logger: logger, reloads: reloads, upgrades: upgrades, discovery: discovery)
    let receiver = UpgradeReceiver(
      channel: DescriptorChannel(fd: channel), identity: .current(binaryVersion: SplicerVersion.current),
      timeout: (try? loaded.get().1.timeouts.upgrade) ?? .seconds(30), fault: fault,
      makeRecipient: adoption.makeRecipient)
    let receipt = receiver.run()
    guard case .adopted(let pendingReload, let released) = receipt, let recipient = adoption.recipient,
      let server = recipient.server, let running = adoption.running
    else {
      logger.error("upgrade: not taken over", metadata: ["receipt": "\(receipt)"])
      throw ExitCode(1)
    }
    if let failure = adoption.launchFailure {
      // After the commit: the old process has let go, so this one cannot hand back. It exits
      // (once the old one has confirmed, so that the service manager tracks this pid as the
      // main one) for the service manager to restart the service.
      logger.critical("upgrade: taken over but not started; exiting", metadata: ["error": "\(failure)"])
      try? notify.status("upgrade: taken over but not started: \(failure)")
      throw ExitCode(1)
    }
    let admin = adoption.admin
    let adminSocket = adoption.adminSocket
    if !released {
      // The old process committed and then did not confirm its exit (it died, or systemd's
      // barrier held it past the bound): this process carries on as the proxy.
      logger.warning("upgrade: taken over, but the old process did not send Released")
    }
    Supervisor.discardUpgradeRequests(logger: logger)
    let carried = CarriedSeries(recipient.carriedSeries)
    let series = ProcessSeries(reloads: reloads, upgrades: upgrades, discovery: discovery, carried: carried)
    logger.notice(
      "splicer started",
      metadata: [
        "version": "\(SplicerVersion.current)", "pid": "\(getpid())", "upgraded": "true",
        "staging_ms": "\(Supervisor.milliseconds(receiver.timings.staging))",
        "commit_ms": "\(Supervisor.milliseconds(receiver.timings.commit))",
      ])
    if pendingReload { kill(getpid(), SIGHUP) }
    supervise(
      server: server, configuration: running, notify: notify, admin: admin, adminSocket: adminSocket,
      exporter: adoption.exporter, series: series, executablePath: executablePath, logger: logger)
  }
}
