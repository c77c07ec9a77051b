import SplicerHealth

/// The wire form of the `HealthBoard`'s seed rows (design §12), and the process-wide series
/// by name.
///
/// A server travels with its row number, so the new process writes it to the same row of its
/// restored layout. The six counters are this binary's `HealthBoard.Counter`s; a board of
/// another binary with fewer or more counters is matched by position, its missing counters
/// zero and its extra ones left out.
extension HealthSnapshot {
  /// `rows` as `HealthBoard.seedRows` read them (row `i` is server row `i`), with `series`.
  public init(rows: [HealthBoard.SeedRow], series: [Series] = []) {
    self.init(
      servers: rows.enumerated().map { row, seed in
        Server(
          row: UInt32(row), down: seed.down, passiveFailures: seed.passiveFailures,
          counters: Self.fitted(seed.counters))
      }, series: series)
  }

  /// The rows for `HealthBoard.seed`: dense from row 0 to the highest row sent, a row no
  /// record covers up with no failures and zero counters (it is written as the fresh board
  /// has it).
  public var seedRows: [HealthBoard.SeedRow] {
    let count = servers.map { Int($0.row) + 1 }.max() ?? 0
    var rows = Array(
      repeating: HealthBoard.SeedRow(
        down: false, passiveFailures: 0, counters: Array(repeating: 0, count: Self.serverCounterCount)),
      count: count)
    for server in servers {
      rows[Int(server.row)] = HealthBoard.SeedRow(
        down: server.down, passiveFailures: server.passiveFailures, counters: server.counters)
    }
    return rows
  }

  /// The value of the series `name`, summed should it appear more than once; zero when absent
  /// (the old binary did not count it).
  public func series(named name: String) -> UInt64 {
    series.filter { $0.name == name }.reduce(0) { $0 &+ $1.value }
  }

  private static func fitted(_ counters: [UInt64]) -> [UInt64] {
    Array(counters.prefix(serverCounterCount))
      + Array(repeating: 0, count: max(0, serverCounterCount - counters.count))
  }
}
