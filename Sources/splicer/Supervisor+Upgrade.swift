import Glibc
import Logging
import SplicerCore
import SplicerMetrics
import SplicerSystem

/// The live upgrade on the old process's side (docs/design/live-upgrade.md): SIGUSR2 starts
/// the binary at the path the process was started from, with the same arguments and one end
/// of a descriptor channel, and `UpgradeCoordinator` hands every listener and session over.
/// On success the process exits; on any failure before the commit it carries on as if nothing
/// happened, and says why.
extension Supervisor {
  static let upgradeSignal = SIGUSR2

  /// Runs one upgrade; says how it ended, as `splicer upgrade` is answered.
  mutating func upgrade() -> UpgradeReply {
    let startedAt = MonotonicClock.now()
    guard let path = upgradeSettings.executablePath else {
      logger.error("upgrade failed: the executable's path is unknown; still serving")
      upgrades.count(.refused)
      return .binaryNotExecutable
    }
    logger.notice("upgrade started", metadata: ["executable": "\(path)"])
    send { try notify.status("upgrading: starting \(path)") }
    let ours: DescriptorChannel
    let theirs: DescriptorChannel
    let child: pid_t
    do {
      (ours, theirs) = try DescriptorChannel.makePair()
    } catch {
      return failed("cannot make the upgrade channel: \(error)", .newProcessDied, startedAt: startedAt)
    }
    do {
      child = try UpgradeSpawn.spawn(
        path: path, arguments: [path] + upgradeSettings.arguments, channelFD: theirs.fd,
        carryBindCapability: upgradeSettings.carryBindCapability)
      theirs.close()
    } catch {
      theirs.close()
      ours.close()
      return failed("\(error)", .binaryNotExecutable, startedAt: startedAt)
    }
    logger.notice("upgrade: new process started", metadata: ["new_pid": "\(child)"])
    let donor = ProxyUpgradeDonor(
      server: server, adminSocket: upgradeSettings.adminSocket, carriedSeries: upgradeSettings.carriedSeries,
      carriedHistograms: upgradeSettings.carriedHistograms, stopAdmin: upgradeSettings.stopAdmin)
    let hooks = UpgradeCoordinatorHooks(
      vetoed: { Signals.pending().contains { $0 == SIGTERM || $0 == SIGINT } },
      pendingReload: { Signals.pending().contains(SIGHUP) },
      afterCommit: { [notify, logger] newPID in
        Self.handOverToSystemd(notify: notify, newPID: newPID, logger: logger)
      }, heartbeat: { [self] in pingWatchdog() })
    let coordinator = UpgradeCoordinator(
      channel: ours, donor: donor, identity: .current(binaryVersion: SplicerVersion.current), childPID: child,
      timeouts: upgradeSettings.timeouts, hooks: hooks, startedAt: startedAt)
    switch coordinator.run() {
    case .upgraded(let newPID):
      logger.notice(
        "upgraded",
        metadata: [
          "new_pid": "\(newPID)", "duration_ms": "\(Self.milliseconds(since: startedAt))",
          "paused_ms": "\(Self.milliseconds(coordinator.timings.paused))",
          "freeze_ms": "\(Self.milliseconds(coordinator.timings.freeze))",
          "transfer_ms": "\(Self.milliseconds(coordinator.timings.transfer))",
          "commit_ms": "\(Self.milliseconds(coordinator.timings.commit))",
        ])
      return .upgraded(newPID: newPID)
    case .failed(let failure):
      return failed("\(failure)", Self.reply(to: failure), startedAt: startedAt, counted: UpgradeTally(failure))
    case .committedThenLost(let failure):
      upgrades.count(.failedAfterCommit)
      // The new process took the sessions and died: their bytes may be lost with it, so they
      // must not carry on here as if whole. They are reset; the listeners, never closed,
      // accept again.
      server.resumeWorkersClosingSessions()
      logger.critical(
        "upgrade failed after the new process took over: its connections are reset; still serving",
        metadata: ["reason": "\(failure)", "duration_ms": "\(Self.milliseconds(since: startedAt))"])
      send { try notify.ready(status: "upgrade failed after the commit, still serving: \(failure)") }
      return .newProcessDied
    }
  }

  /// A failure before the commit: counted (`refused` unless the freeze had begun), logged,
  /// told to systemd.
  private func failed(
    _ reason: String, _ reply: UpgradeReply, startedAt: UInt64, counted tally: UpgradeTally = .refused
  ) -> UpgradeReply {
    upgrades.count(tally)
    logger.error(
      "upgrade failed; resuming",
      metadata: ["reason": "\(reason)", "duration_ms": "\(Self.milliseconds(since: startedAt))"])
    send { try notify.ready(status: "upgrade failed, still serving: \(reason)") }
    return reply
  }

  /// The class of a failure for `splicer upgrade`; the detail is in the log line.
  static func reply(to failure: UpgradeFailure) -> UpgradeReply {
    let notice = failure.notice
    // `aborted` is either this process's veto (a SIGTERM) or the channel's end: the new
    // process died, or gave up without a word.
    if notice.reason == .aborted && !failure.byPeer && !notice.text.hasPrefix("stopped by a signal") {
      return .newProcessDied
    }
    return UpgradeReply(notice.reason)
  }

  /// Answers `splicer upgrade` (pid `requester`) with the outcome's code.
  func answer(_ requester: Int32, _ reply: UpgradeReply) {
    do {
      try Signals.queue(pid: requester, signal: UpgradeReply.replySignal, value: reply.code)
    } catch {
      logger.warning("could not answer splicer upgrade", metadata: ["pid": "\(requester)", "error": "\(error)"])
    }
  }

  /// `READY=1` with the new status, then `MAINPID=` of the new process, confirmed by a
  /// barrier: systemd tracks the new process as the service's main one before this exits.
  static func handOverToSystemd(notify: SystemdNotify, newPID: Int32, logger: Logger) {
    guard notify.isEnabled else { return }
    do {
      try notify.ready(status: "upgraded to pid \(newPID)")
      try notify.mainPID(newPID)
      if try !notify.barrier(timeout: .seconds(5)) {
        logger.warning("systemd did not confirm the new main pid within 5 s")
      }
    } catch {
      logger.warning("systemd notify failed", metadata: ["error": "\(error)"])
    }
  }

  static func milliseconds(since start: UInt64) -> UInt64 {
    (MonotonicClock.now() &- start) / 1_000_000
  }

  /// Whole milliseconds, with one decimal: the stretches of an upgrade are often below 10 ms.
  static func milliseconds(_ nanoseconds: UInt64) -> String {
    let tenths = nanoseconds / 100_000
    return "\(tenths / 10).\(tenths % 10)"
  }

  /// Takes every SIGUSR2 waiting now, answering `splicer upgrade` with `alreadyInProgress`:
  /// one that came while an upgrade ran (or, in a new process, before it became the main
  /// one, e.g. from `systemctl kill` without `--kill-whom=main`) starts nothing.
  static func discardUpgradeRequests(logger: Logger) {
    while let info = Signals.waitInfo(for: [upgradeSignal], milliseconds: 0) {
      logger.notice("upgrade already in progress: request ignored", metadata: ["from_pid": "\(info.senderPID)"])
      guard info.origin == .queued else { continue }
      try? Signals.queue(
        pid: info.senderPID, signal: UpgradeReply.replySignal, value: UpgradeReply.alreadyInProgress.code)
    }
  }
}
