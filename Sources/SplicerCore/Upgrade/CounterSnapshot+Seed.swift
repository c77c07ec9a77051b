/// The wire form of `WorkerStats.Seed` (design §12): the old process cuts each table into
/// chunks (`chunks(of:valuesPerChunk:)`), the new one puts them back together (`seed(from:)`).
///
/// Tables are matched by their `Table` tag, never by position in a message. Each chunk says
/// how many columns its rows have, which is the sending binary's count; the new process keeps
/// that width here, and `WorkerStats.seed(_:)` adds the columns both binaries know, by
/// position (a column only one of them has is not carried).
extension CounterSnapshot {
  /// Every non-empty table of `seed` in chunks of at most `valuesPerChunk` values (at least
  /// one row each), in `Table` order, rows ascending.
  public static func chunks(of seed: WorkerStats.Seed, valuesPerChunk: Int = 8192) -> [CounterSnapshot] {
    Table.allCases.flatMap { tag -> [CounterSnapshot] in
      let table = seed[tag]
      guard table.columns > 0, table.rows > 0 else { return [] }
      let rowsPerChunk = max(1, valuesPerChunk / table.columns)
      return stride(from: 0, to: table.rows, by: rowsPerChunk).map { first in
        let last = min(table.rows, first + rowsPerChunk)
        return CounterSnapshot(
          table: tag, firstRow: UInt32(first), columns: UInt16(table.columns),
          values: Array(table.values[first * table.columns..<last * table.columns]))
      }
    }
  }

  /// The seed `chunks` make: each table as wide as its first chunk, as tall as its furthest
  /// row; rows no chunk covers are zero, a table no chunk names is empty (nothing is
  /// seeded). A chunk narrower or wider than its table's first chunk is taken by position
  /// too, its missing cells zero and its extra ones left out.
  public static func seed(from chunks: [CounterSnapshot]) -> WorkerStats.Seed {
    var seed = WorkerStats.Seed.empty
    for tag in Table.allCases {
      let ofTable = chunks.filter { $0.table == tag }
      guard let columns = ofTable.first.map({ Int($0.columns) }) else { continue }
      let rows = ofTable.map { Int($0.firstRow) + $0.rowCount }.max() ?? 0
      var table = WorkerStats.Seed.Table(rows: rows, columns: columns)
      for chunk in ofTable {
        for row in 0..<chunk.rowCount {
          for column in 0..<min(columns, Int(chunk.columns)) {
            table[Int(chunk.firstRow) + row, column] = chunk.values[row * Int(chunk.columns) + column]
          }
        }
      }
      seed[tag] = table
    }
    return seed
  }
}
