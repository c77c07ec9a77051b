import ArgumentParser
import Glibc
import SplicerConfig
import SplicerCore
import SplicerSystem

/// `splicer upgrade --pid PID`: asks a running Splicer for a live binary upgrade and waits for
/// its answer (design live-upgrade.md §10.3).
///
/// It checks in /proc that PID is a Splicer, takes the target's uid when run as root (so the
/// target may signal back), sends SIGUSR2 with sigqueue, and waits for the reply signal from
/// that pid, or for the target's exit, at most `--timeout`. The running process's side, the
/// reply, is being built: in this version SIGUSR2 does nothing, so the command ends with "no
/// answer".
struct UpgradeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "upgrade",
    abstract: "Ask a running splicer to hand its listeners and connections to a new binary, and wait for the outcome.",
    discussion: """
      The running process starts the binary at the path it was started from. Exit status: 0 \
      upgraded, 1 failed (the old process keeps serving), 2 usage error, 3 no answer in time. \
      Being built: in this version the running process does not act on the request yet.
      """
  )

  @Option(help: "The pid of the running splicer (under systemd: $MAINPID).")
  var pid: Int32

  @Option(help: "How long to wait for the answer (e.g. 60s, 2m).")
  var timeout: String = "60s"

  func run() throws {
    // 0 and negative pids would address process groups (-1: every process we may signal).
    guard pid > 0 else { throw Self.usageError("--pid must be the process id of a running splicer, above 0") }
    let limit: Duration
    do {
      limit = try DurationParser.parse(timeout)
    } catch {
      throw Self.usageError("--timeout: \(error)")
    }
    let target: UpgradeTarget
    do {
      target = try Self.findTarget(pid: pid)
    } catch {
      throw Self.usageError("\(error)")
    }
    if let identity = target.identityToTake(callerEffectiveUID: geteuid()) {
      do {
        try UserSwitch.switchIdentity(to: identity)
      } catch {
        throw Self.usageError("cannot take uid \(identity.uid) of pid \(pid) to be answered: \(error)")
      }
    }
    let answer: UpgradeAnswer
    do {
      answer = try Self.request(target, within: limit)
    } catch {
      // Nothing was sent (pidfd, signalfd) or the request itself failed (sigqueue: EPERM for
      // another user's process): the target is as it was.
      throw Self.usageError("cannot ask pid \(pid): \(error)")
    }
    let report = UpgradeReport(answer: answer, pid: pid, timeout: timeout)
    if report.toStandardError {
      printToStandardError(report.line)
    } else {
      print(report.line)
    }
    if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
  }

  static func findTarget(pid: Int32) throws(UpgradeTargetError) -> UpgradeTarget {
    let description: ProcessDescription
    do {
      description = try ProcessDescription.read(pid: pid)
    } catch {
      throw UpgradeTargetError(pid: pid, reading: error)
    }
    return try UpgradeTarget.check(pid: pid, description: description)
  }

  /// Prints `splicer upgrade: <message>` and gives the usage status to throw.
  static func usageError(_ message: String) -> ExitCode {
    printToStandardError("splicer upgrade: \(message)")
    return ExitCode(UpgradeReport.usageExitStatus)
  }
}
