import Glibc
import Logging
import SplicerConfig
import SplicerCore
import SplicerMetrics
import SplicerResolution
import SplicerSystem
import Synchronization

/// The main thread's job once the workers run: wait for signals, reload on SIGHUP, apply
/// discovered servers on SIGRTMIN+1 (from `ServiceDiscovery`), hand everything to a new
/// binary on SIGUSR2 (`+Upgrade`), drain on SIGTERM/SIGINT, and keep systemd informed
/// (READY, RELOADING, STOPPING, STATUS, WATCHDOG, MAINPID).
///
/// Owned by `RunCommand`; runs on the main thread only.
struct Supervisor {
  /// Sent by the discovery thread to the main thread when a pool's SRV answer changed; sent
  /// by hand it only applies the last discovered sets again (nothing, if they are in force).
  /// A real-time signal, SIGRTMIN + 1: SIGUSR1 stays free for operators' uses, SIGUSR2 is
  /// the live upgrade's (the conventional binary-upgrade trigger of proxies), and a real-time signal
  /// cannot be mistaken for one. glibc reserves the first two real-time signals for its
  /// threads; `__libc_current_sigrtmin()` is the first one free for the program.
  static let discoverySignal = __libc_current_sigrtmin() + 1
  static let handledSignals = [SIGTERM, SIGINT, SIGHUP, discoverySignal, upgradeSignal]

  let server: ProxyServer
  let configPath: String
  var drainTimeout: Duration
  let notify: SystemdNotify
  let reloads: ReloadCounters
  /// Counted here when an upgrade fails (the process serves on); `upgraded` is the new
  /// process's to count.
  let upgrades: UpgradeCounters
  let discovery: ServiceDiscovery
  let upgradeSettings: UpgradeSettings
  let logger: Logger

  /// How `run` ended.
  enum Ending {
    /// Drained or stopped; the workers are stopped.
    case stopped
    /// A live upgrade handed everything to the new process (`Supervisor+Upgrade`); the
    /// workers and the admin endpoint are stopped.
    case upgraded(newPID: Int32)
  }

  /// Returns when the proxy has stopped, or handed over to a new process.
  mutating func run() -> Ending {
    let listeners = server.state.boundListeners.map { "\($0.name)=\($0.address)" }.joined(separator: " ")
    send { try notify.ready(status: "relaying: \(listeners)") }
    let tick = watchdogTickMilliseconds
    while true {
      guard let info = Signals.waitInfo(for: Self.handledSignals, milliseconds: tick) else {
        pingWatchdog()
        continue
      }
      let signal = info.signal
      if signal == SIGHUP {
        reload()
        continue
      }
      if signal == Self.discoverySignal {
        applyDiscovered()
        continue
      }
      if signal == Self.upgradeSignal {
        // `splicer upgrade` sends with sigqueue and waits for the outcome; a plain kill(1)
        // (`systemctl kill`) asks for no answer.
        let requester = info.origin == .queued ? info.senderPID : nil
        let reply = upgrade()
        if let requester { answer(requester, reply) }
        // Asked again while this one ran: that request is not carried over to a new upgrade.
        Self.discardUpgradeRequests(logger: logger)
        if case .upgraded(let newPID) = reply { return .upgraded(newPID: newPID) }
        continue
      }
      drain(after: signal)
      return .stopped
    }
  }

  /// WATCHDOG=1 only while every event loop is turning; a stuck worker stops the pings.
  func pingWatchdog() {
    guard let interval = notify.watchdogInterval else { return }
    if server.workersResponsive(within: max(interval / 2, .seconds(1))) {
      send { try notify.watchdog() }
    } else {
      logger.error("a worker's event loop is not responding; withholding the watchdog ping")
    }
  }

  /// Half the watchdog interval, or a long wait when there is no watchdog.
  private var watchdogTickMilliseconds: Int {
    guard let interval = notify.watchdogInterval else { return 3_600_000 }
    return max(100, Int(interval.nanoseconds / 2_000_000))
  }

  private mutating func reload() {
    send { try notify.reloading(status: "reloading \(configPath)") }
    logger.notice("reloading", metadata: ["config": "\(configPath)"])
    do {
      let source = try ConfigSource.read(path: configPath)
      let configuration = discovery.prepare(try ConfigLoader.load(source: source))
      let generation = ConfigGeneration(
        number: server.state.generation.number + 1, source: source, configuration: configuration)
      let summary = try server.reload(to: generation)
      drainTimeout = configuration.timeouts.drain
      reloads.count(success: true)
      logger.notice("reloaded", metadata: ["changes": "\(summary)"])
      send { try notify.ready(status: "reloaded: \(summary)") }
    } catch {
      // Whatever went wrong, the running config is untouched.
      reloads.count(success: false)
      logger.error("reload failed; keeping the running config", metadata: ["error": "\(error)"])
      send { try notify.ready(status: "reload failed, running the previous config: \(error)") }
    }
  }

  /// Stops accepting, waits for open connections up to the drain timeout (or a second
  /// signal), then stops the workers.
  private func drain(after signal: Int32) {
    let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
    send { try notify.stopping(status: "draining for up to \(drainTimeout)") }
    server.beginDrain()
    // Logged once no listener accepts any more.
    logger.notice("draining", metadata: ["signal": "\(name)", "timeout": "\(drainTimeout)"])
    let deadline = MonotonicClock.now() &+ drainTimeout.nanoseconds
    while !server.allWorkersFinished {
      let now = MonotonicClock.now()
      if now >= deadline {
        logger.warning("drain timeout: closing the remaining connections")
        break
      }
      let waitMilliseconds = Int(min((deadline - now) / 1_000_000, 50))
      if let second = Signals.wait(for: Self.handledSignals, milliseconds: max(1, waitMilliseconds)), second != SIGHUP,
        second != Self.discoverySignal, second != Self.upgradeSignal
      {
        logger.warning("second signal: stopping at once")
        break
      }
    }
    server.stop()
  }

  func send(_ body: () throws -> Void) {
    do {
      try body()
    } catch {
      logger.warning("systemd notify failed", metadata: ["error": "\(error)"])
    }
  }
}

/// Reload outcomes, kept by the main thread and read by the admin endpoint.
final class ReloadCounters: Sendable {
  private let succeeded = Atomic<UInt64>(0)
  private let failed = Atomic<UInt64>(0)

  func count(success: Bool) {
    if success {
      succeeded.add(1, ordering: .relaxed)
    } else {
      failed.add(1, ordering: .relaxed)
    }
  }

  func series() -> [ExtraSeries] {
    let help = "Config reloads (SIGHUP), by outcome."
    return [
      ExtraSeries(
        name: "splicer_config_reloads_total", help: help, labels: [("outcome", "success")], kind: .counter,
        value: Double(succeeded.load(ordering: .relaxed))),
      ExtraSeries(
        name: "splicer_config_reloads_total", help: help, labels: [("outcome", "failure")], kind: .counter,
        value: Double(failed.load(ordering: .relaxed))),
    ]
  }
}
