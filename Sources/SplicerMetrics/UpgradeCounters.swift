import SplicerCore
import Synchronization

/// Live upgrades by how they ended (`UpgradeTally`), kept by the executable's main thread and
/// read by the admin endpoint as `splicer_upgrades_total{outcome}`. Every class is reported
/// from the start, zero until counted. Like the other process-wide counters, a live upgrade
/// carries them to the new process (`CarriedSeries`), which counts its own `upgraded` on top.
public final class UpgradeCounters: Sendable {
  public static let metricName = "splicer_upgrades_total"
  static let help =
    "Live binary upgrades, by outcome: upgraded (counted by the new process), refused, rolled_back, "
    + "failed_after_commit (counted by the process that serves on)."

  private let counts = Mutex([UpgradeTally: UInt64]())

  public init() {}

  public func count(_ tally: UpgradeTally) {
    counts.withLock { $0[tally, default: 0] += 1 }
  }

  public func series() -> [ExtraSeries] {
    let counts = self.counts.withLock { $0 }
    return UpgradeTally.allCases.map { tally in
      ExtraSeries(
        name: Self.metricName, help: Self.help, labels: [("outcome", tally.label)], kind: .counter,
        value: Double(counts[tally] ?? 0))
    }
  }
}
