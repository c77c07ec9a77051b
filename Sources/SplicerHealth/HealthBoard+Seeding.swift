import Synchronization

/// Carrying server health over a live upgrade: the old process reads every row (`seedRows`),
/// the new one writes them into its fresh board (`seed`) before its `HealthChecker` starts,
/// so that the checker's probes begin from the status on the board, as after a reload.
extension HealthBoard {
  /// One server's health, by its `StatsLayout` row: the status, the passive failures in a
  /// row, and the `Counter`s by raw value.
  public struct SeedRow: Sendable, Equatable {
    public var down: Bool
    public var passiveFailures: UInt32
    /// `Counter.allCases.count` values of the board that wrote them (another binary's
    /// board may have more or fewer).
    public var counters: [UInt64]

    public init(down: Bool, passiveFailures: UInt32, counters: [UInt64]) {
      self.down = down
      self.passiveFailures = passiveFailures
      self.counters = counters
    }
  }

  /// Rows `0..<rows` (the servers the layout has given out) as they are now.
  public func seedRows(_ rows: Int) -> [SeedRow] {
    let width = Counter.allCases.count
    return (0..<min(rows, capacity)).map { row in
      SeedRow(
        down: down[row].load(ordering: .relaxed),
        passiveFailures: passiveFailures[row].load(ordering: .relaxed),
        counters: (0..<width).map { counters[row * width + $0].load(ordering: .relaxed) })
    }
  }

  /// Writes `rows` into rows `0..<rows.count`: the status and passive failures replace the
  /// board's, the counters are added to it. Rows beyond the capacity and counters this board
  /// does not have are left out. Call it before the checker and the workers start.
  public func seed(_ rows: [SeedRow]) {
    let width = Counter.allCases.count
    for (row, seed) in rows.prefix(capacity).enumerated() {
      down[row].store(seed.down, ordering: .relaxed)
      passiveFailures[row].store(seed.passiveFailures, ordering: .relaxed)
      for (column, value) in seed.counters.prefix(width).enumerated() {
        counters[row * width + column].wrappingAdd(value, ordering: .relaxed)
      }
    }
  }
}
