import ArgumentParser
import Glibc
import Logging
import SplicerConfig
import SplicerCore
import SplicerLogging
import SplicerMetrics
import SplicerResolution
import SplicerSystem

/// `splicer run`: loads the config, binds the listeners, runs the workers; reloads on SIGHUP;
/// on SIGTERM or SIGINT drains (stops accepting, lets connections finish up to
/// `timeouts.drain`) and exits 0; a second SIGTERM or SIGINT stops at once. With
/// `--watch-config`, a change of the config file sends the process SIGHUP (`ConfigWatcher`).
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run the proxy."
  )

  @OptionGroup var options: ConfigOptions

  // A flag rather than a config key: whether the file is watched is a property of how the
  // process is run (like the path itself), and a reload cannot then turn its own trigger off.
  @Flag(help: "Reload when the config file changes, exactly as on SIGHUP (inotify on its directory).")
  var watchConfig = false

  func run() throws {
    // Made absolute before anything can change the working directory: a live upgrade starts
    // the file at this path again (`Supervisor+Upgrade`).
    let executablePath = ExecutablePath.ofCurrentProcess()
    // Started by a running Splicer for a live upgrade: adopt its state instead of binding.
    let upgradeChannel: Int32?
    do {
      upgradeChannel = try UpgradeEnvironment.takeChannelDescriptor()
    } catch {
      printToStandardError("ignoring the upgrade environment: \(error)")
      upgradeChannel = nil
    }
    if let upgradeChannel {
      try runAdopting(channel: upgradeChannel, executablePath: executablePath)
      return
    }
    // Taken before the load: a change while it loads is then seen as a change, never lost.
    let loadedSnapshot = watchConfig ? ConfigFileSnapshot.take(path: options.config) : nil
    // The bytes are kept with the configuration they make (`ConfigGeneration`).
    let source: ConfigSource
    var configuration: Configuration
    do {
      source = try ConfigSource.read(path: options.config)
      configuration = try ConfigLoader.load(source: source)
    } catch {
      printToStandardError("\(error)")
      throw ExitCode(1)
    }
    let logConfig = configuration.log
    LoggingSystem.bootstrap { label in
      StructuredLogHandler(label: label, level: Logger.Level(logConfig.level), format: logConfig.format)
    }
    let logger = Logger(label: "splicer")
    // Whatever way `run` ends, the lines still waiting for a batch are written.
    defer { LogWriter.standardError.finish() }
    let notify: SystemdNotify
    do {
      notify = try SystemdNotify.fromProcessEnvironment()
    } catch {
      logger.warning("ignoring the systemd notify environment", metadata: ["error": "\(error)"])
      notify = .disabled
    }

    // Signal dispositions are per process but masks are per thread: set both up before any
    // worker thread starts, so that workers inherit the mask and only `sigwait` sees them.
    Signals.ignoreBrokenPipe()
    Signals.block(Supervisor.handledSignals)

    // The exporter must back swift-metrics before the proxy creates its latency recorders.
    let exporter = configuration.admin.map { _ in MetricsExporter() }
    exporter?.bootstrapMetricsSystem()
    let reloads = ReloadCounters()
    let upgrades = UpgradeCounters()

    let server: ProxyServer
    var admin: AdminServer?
    var adminSocket: Int32?
    let discovery: ServiceDiscovery
    do {
      // The discovery thread wakes the main thread with a signal that `Supervisor` waits for.
      let mainThread = pthread_self()
      discovery = try ServiceDiscovery(logger: logger) { _ = pthread_kill(mainThread, Supervisor.discoverySignal) }
      // Before the workers are built, so that the first connections already have servers.
      configuration = discovery.prepare(configuration)
      // Sockets from systemd's socket activation (LISTEN_FDS), matched to listeners by name.
      let activated = try SocketActivation.takeListeners()
      server = try ProxyServer(
        generation: ConfigGeneration(number: 1, source: source, configuration: configuration), logger: logger,
        inherited: Dictionary(activated.map { ($0.name, $0.fd) }, uniquingKeysWith: { first, _ in first }))
      // Bound with the listeners, before any thread starts; served once the workers run.
      adminSocket = try configuration.admin.map { config throws in
        guard let address = SocketAddress(ip: config.bind.host, port: config.bind.port) else {
          throw ProxyStartError(message: "admin: bad address \(config.bind)")
        }
        do {
          return try Socket.listen(on: address, reusePort: false, backlog: 64)
        } catch {
          throw ProxyStartError(message: "admin endpoint: \(error)")
        }
      }
      // Capabilities and uids are per thread: drop them before the first thread starts.
      try PrivilegeSetup.apply(configuration.privileges, logger: logger)
      // The first thread after the drop; until now each line was written by its caller.
      try LogWriter.standardError.startThread()
      try server.start()
      try discovery.start()
      if let adminSocket, let exporter {
        admin = try Self.startAdmin(
          socket: adminSocket, exporter: exporter, server: server,
          series: ProcessSeries(reloads: reloads, upgrades: upgrades, discovery: discovery, carried: CarriedSeries()),
          logger: logger)
      }
    } catch {
      logger.critical("start failed", metadata: ["error": "\(error)"])
      try? notify.status("start failed: \(error)")
      throw ExitCode(1)
    }
    if let loadedSnapshot {
      startConfigWatch(loaded: loadedSnapshot, logger: logger)
    }
    logger.notice(
      "splicer started",
      metadata: ["version": "\(SplicerVersion.current)", "config": "\(options.config)", "pid": "\(getpid())"])
    // Read after the privilege drop: the limits are those the running process has.
    for finding in CapacityPlan(configuration: configuration, limits: .current()).findings {
      let metadata: Logger.Metadata = ["resource": "\(finding.resource.rawValue)", "detail": "\(finding.message)"]
      switch finding.severity {
      case .warning: logger.warning("capacity", metadata: metadata)
      case .note: logger.notice("capacity", metadata: metadata)
      }
    }

    supervise(
      server: server, configuration: configuration, notify: notify, admin: admin, adminSocket: adminSocket,
      exporter: exporter,
      series: ProcessSeries(reloads: reloads, upgrades: upgrades, discovery: discovery, carried: CarriedSeries()),
      executablePath: executablePath, logger: logger)
  }

  /// Serves until a stop or an upgrade: the main thread's `Supervisor`, then the stop of what
  /// the workers do not own.
  func supervise(
    server: ProxyServer, configuration: Configuration, notify: SystemdNotify, admin: AdminServer?,
    adminSocket: Int32?, exporter: MetricsExporter?, series: ProcessSeries, executablePath: String?, logger: Logger
  ) {
    let settings = UpgradeSettings(
      executablePath: executablePath, arguments: Array(CommandLine.arguments.dropFirst()),
      carryBindCapability: configuration.privileges.keepBindCapability,
      timeouts: UpgradeTimeouts(overall: configuration.timeouts.upgrade), adminSocket: adminSocket,
      stopAdmin: { admin?.stop() }, carriedSeries: { CarriedSeries.snapshot(of: series.all()) },
      carriedHistograms: { exporter?.histogramSnapshots() ?? [] })
    var supervisor = Supervisor(
      server: server, configPath: options.config, drainTimeout: configuration.timeouts.drain, notify: notify,
      reloads: series.reloads, upgrades: series.upgrades, discovery: series.discovery, upgradeSettings: settings,
      logger: logger)
    let ending = supervisor.run()
    series.discovery.stop()
    switch ending {
    case .stopped:
      admin?.stop()
      logger.notice("stopped")
    case .upgraded(let newPID):
      logger.notice("stopped: handed over", metadata: ["new_pid": "\(newPID)"])
    }
  }

  /// The admin endpoint on its bound (or adopted) socket, on `eventLoop` if one was made
  /// ahead (a live upgrade's new process), else on a thread started now.
  static func startAdmin(
    socket: Int32, exporter: MetricsExporter, server: ProxyServer, series: ProcessSeries, logger: Logger,
    eventLoop: AdminEventLoop? = nil
  ) throws -> AdminServer {
    let routes = AdminRoutes(
      proxy: server, exporter: exporter, version: SplicerVersion.current, extraSeries: { series.all() })
    let admin = try AdminServer(boundSocket: socket, routes: routes, eventLoop: eventLoop ?? AdminEventLoop())
    logger.notice("admin bound", metadata: ["address": "\(admin.address)"])
    return admin
  }
}

/// The executable's own counter series for /metrics (reloads, upgrades, dropped log lines,
/// discovery failures), with what a live upgrade carried over from the process before.
struct ProcessSeries: Sendable {
  let reloads: ReloadCounters
  let upgrades: UpgradeCounters
  let discovery: ServiceDiscovery
  let carried: CarriedSeries

  func all() -> [ExtraSeries] {
    carried.adding(to: reloads.series() + upgrades.series() + [droppedLogLines()] + discovery.series())
  }
}

extension Logger.Level {
  init(_ level: LogConfig.Level) {
    switch level {
    case .trace: self = .trace
    case .debug: self = .debug
    case .info: self = .info
    case .notice: self = .notice
    case .warning: self = .warning
    case .error: self = .error
    case .critical: self = .critical
    }
  }
}

/// Log lines the writer could not keep (stderr stuck or failing); see `LogWriter`.
func droppedLogLines() -> ExtraSeries {
  ExtraSeries(
    name: "splicer_log_lines_dropped_total",
    help: "Log lines dropped because standard error did not take them (stuck or failing).", labels: [],
    kind: .counter, value: Double(LogWriter.standardError.droppedLines))
}

/// Writes one line to stderr, for errors shown before logging is set up.
func printToStandardError(_ text: String) {
  var line = Array(text.utf8)
  line.append(0x0A)
  _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
