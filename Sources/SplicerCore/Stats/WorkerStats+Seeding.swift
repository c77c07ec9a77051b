/// The new process's half of carrying counters over a live upgrade: the old process's sums
/// added into one worker's tables.
extension WorkerStats {
  /// Adds `seed` into these tables. Call it on worker 0's stats before any worker thread
  /// starts: it writes as the tables' one writer does, and the thread's start publishes the
  /// values to it.
  ///
  /// Gauges are not carried (`pipesPooled`, `pipeCapacityGranted`): they describe the old
  /// process's pipes, and the new pools set them again. Rows and columns beyond these tables
  /// are left out (a restored `StatsLayout` has room for every old row; a column only the
  /// other binary has cannot be counted here); cells the seed lacks stay as they are.
  public func seed(_ seed: Seed) {
    for slot in Global.allCases where slot.carriedAcrossUpgrade {
      guard slot.rawValue < seed.global.columns, seed.global.rows > 0 else { continue }
      global.add(0, slot.rawValue, seed.global[0, slot.rawValue])
    }
    Self.add(seed.fallbacks, into: fallbacks)
    Self.add(seed.listeners, into: listeners)
    Self.add(seed.listenerCloses, into: listenerCloses)
    Self.add(seed.servers, into: servers)
    Self.add(seed.serverFailures, into: serverFailures)
    Self.add(seed.inspections, into: inspections)
    Self.add(seed.mirrors, into: mirrors)
  }

  private static func add(_ seed: Seed.Table, into table: CounterTable) {
    let columns = min(seed.columns, table.columns)
    for row in 0..<min(seed.rows, table.rows) {
      for column in 0..<columns where seed[row, column] != 0 {
        table.add(row, column, seed[row, column])
      }
    }
  }
}

extension WorkerStats.Global {
  /// Whether a live upgrade carries the cell: counters are, gauges of the old process's
  /// own pipes are not.
  var carriedAcrossUpgrade: Bool {
    switch self {
    case .pipesPooled, .pipeCapacityGranted: false
    case .bytesSpliced, .bytesCopied, .pipesCreated, .pipesClosed, .pipesLeased, .pipesReturned: true
    }
  }
}
