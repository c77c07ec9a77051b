/// The old process's half of carrying counters over a live upgrade: every table summed over
/// the workers into a `Seed`.
extension WorkerStats {
  /// The workers' tables summed cell by cell, for the rows `layout` has given out.
  ///
  /// Worker-wide cells are combined as the metrics endpoint combines them
  /// (`Global.acrossWorkers`). The workers must not be writing (frozen, or not started), or
  /// the sum is of different moments.
  public static func summed(_ workers: [WorkerStats], layout: StatsLayout) -> Seed {
    let listenerRows = layout.listeners.count
    let serverRows = layout.servers.count
    func sum(_ table: (WorkerStats) -> CounterTable, rows: Int) -> Seed.Table {
      let columns = workers.first.map { table($0).columns } ?? 0
      var result = Seed.Table(rows: rows, columns: columns)
      for worker in workers {
        let cells = table(worker)
        for row in 0..<min(rows, cells.rows) {
          for column in 0..<columns { result[row, column] &+= cells.value(row, column) }
        }
      }
      return result
    }
    var global = sum(\.global, rows: 1)
    for slot in Global.allCases where slot.acrossWorkers == .smallestSet {
      global[0, slot.rawValue] = workers.map { $0.value(slot) }.filter { $0 > 0 }.min() ?? 0
    }
    return Seed(
      global: global, fallbacks: sum(\.fallbacks, rows: 1),
      listeners: sum(\.listeners, rows: listenerRows), listenerCloses: sum(\.listenerCloses, rows: listenerRows),
      servers: sum(\.servers, rows: serverRows), serverFailures: sum(\.serverFailures, rows: serverRows),
      inspections: sum(\.inspections, rows: listenerRows), mirrors: sum(\.mirrors, rows: listenerRows))
  }
}
