import Foundation
import Glibc
import SplicerTestSupport

/// A `SplicerProcess` followed across live upgrades: which pid serves now, the exit status of
/// each process that handed over, and the stop of the last one.
///
/// The first process is Foundation's child and Foundation reaps it; every later one was
/// started by its predecessor and is orphaned when that exits, so the test process is made a
/// child subreaper before the first starts, and reaps them itself with `waitpid`. The log of
/// every generation arrives on the first one's stderr pipe, read by `relay`.
final class UpgradingRelay {
  let relay: SplicerProcess
  /// The process that serves now.
  private(set) var pid: Int32
  /// The first process's descriptors once started, before any client: what a fresh
  /// process on this config holds.
  let baseline: Int
  /// Exit statuses of the processes that handed over, oldest first (-1: did not exit).
  private(set) var handedOver: [Int32] = []
  private var stopped = false

  /// Starts `splicer run` as `SplicerProcess` does.
  init(
    yaml: String, listeners: [String] = ["test"], environment: [String: String] = [:],
    copy: NobodyReadableCopy? = nil
  ) throws {
    ChildSubreaper.enable()
    relay = try SplicerProcess(yaml: yaml, listeners: listeners, environment: environment, copy: copy)
    pid = relay.pid
    baseline = relay.openDescriptors()
  }

  /// Runs `splicer upgrade --pid` on the serving process; on success waits for it to exit
  /// and follows its successor.
  func upgrade() throws -> UpgradeCommandOutcome {
    let old = pid
    let outcome = try UpgradeCommandOutcome.run(["--pid", "\(old)"])
    guard outcome.status == 0, let new = outcome.newPID(from: old) else { return outcome }
    let status = waitForExit(of: old, timeoutSeconds: 30)
    handedOver.append(status ?? -1)
    pid = new
    return outcome
  }

  /// The `duration_ms` of the `upgraded` line that named `newPID`.
  func upgradeMilliseconds(newPID: Int32) -> Int? {
    guard let line = relay.waitForLine(containing: "\"message\":\"upgraded\"", and: "\"new_pid\":\"\(newPID)\"")
    else { return nil }
    return Self.field("duration_ms", in: line).flatMap { Int($0) }
  }

  /// The stretches of the `upgraded` line that named `newPID` (`paused_ms`, `freeze_ms`,
  /// `transfer_ms`, `commit_ms`), in milliseconds; those missing are left out.
  func upgradeStretches(newPID: Int32) -> [String: Double] {
    guard let line = relay.waitForLine(containing: "\"message\":\"upgraded\"", and: "\"new_pid\":\"\(newPID)\"")
    else { return [:] }
    var stretches: [String: Double] = [:]
    for name in ["paused_ms", "freeze_ms", "transfer_ms", "commit_ms"] {
      stretches[name] = Self.field(name, in: line).flatMap { Double($0) }
    }
    return stretches
  }

  /// The string value of a field of a JSON log line.
  static func field(_ name: String, in line: String) -> String? {
    guard let range = line.range(of: "\"\(name)\":\"") else { return nil }
    return String(line[range.upperBound...].prefix { $0 != "\"" })
  }

  /// Open descriptors of the serving process.
  func openDescriptors() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
  }

  /// What each descriptor of the serving process is, for failure messages.
  func describeDescriptors() -> String {
    let directory = "/proc/\(pid)/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { name in
      "\(name)=\((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)")) ?? "?")"
    }.joined(separator: " ")
  }

  /// The children of the serving process, from /proc/PID/task/*/children.
  func children() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    return tasks.flatMap { task in
      ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
        .split(separator: " ").map(String.init)
    }
  }

  var isRunning: Bool { kill(pid, 0) == 0 }

  /// SIGTERM to the serving process, then waits for its exit; its status (-1: none in 60 s).
  @discardableResult
  func stop() -> Int32 {
    guard !stopped else { return 0 }
    stopped = true
    // Every process of the run is reaped by now: later tests' orphans go to init again.
    defer { ChildSubreaper.disable() }
    guard pid != relay.pid else { return relay.stop() }
    kill(pid, SIGTERM)
    let status = waitForExit(of: pid, timeoutSeconds: 60) ?? -1
    relay.stop()
    return status
  }

  deinit { stop() }

  private func waitForExit(of process: Int32, timeoutSeconds: Double) -> Int32? {
    if process == relay.pid {
      // Foundation learns of its child's exit when every copy of the descriptor it watches is
      // closed: were it passed on to the new process, the first one would stay a zombie,
      // unreaped, until the last one exits. So its exit code is read from /proc/PID/stat
      // (field 52, in wait status form) while it is a zombie, from Foundation once reaped.
      return waitFor(timeoutSeconds) { () -> Int32? in
        guard let stat = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8) else {
          return relay.process.isRunning ? nil : relay.process.terminationStatus
        }
        let fields = stat[(stat.lastIndex(of: ")") ?? stat.startIndex)...].split(separator: " ")
        guard fields.count > 2, fields[1] == "Z" || fields[1] == "X",
          let status = Int32(fields.last!.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return Self.decode(status)
      }
    }
    return waitFor(timeoutSeconds) { () -> Int32? in
      var status: Int32 = 0
      guard waitpid(process, &status, WNOHANG) == process else { return nil }
      return Self.decode(status)
    }
  }

  /// A wait status as an exit code; killed by a signal: its negated number.
  private static func decode(_ status: Int32) -> Int32 {
    status & 0x7f == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
  }
}
