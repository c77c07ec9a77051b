/// A chunk of one `WorkerStats` table summed over the old workers, dense by row (design §12):
/// rows `firstRow ..< firstRow + values.count / columns`, each `columns` values. A table too
/// large for one message travels as several chunks. The new process adds them into worker 0's
/// tables before any worker thread starts.
public struct CounterSnapshot: Hashable, Sendable {
  /// The `WorkerStats` tables, by their wire tag.
  public enum Table: UInt8, Hashable, Sendable, CaseIterable {
    case global = 0
    case fallbacks = 1
    case listeners = 2
    case listenerCloses = 3
    case servers = 4
    case serverFailures = 5
    case inspections = 6
    case mirrors = 7
  }

  public var table: Table
  public var firstRow: UInt32
  /// Values per row; at least 1.
  public var columns: UInt16
  /// Row after row.
  public var values: [UInt64]

  public init(table: Table, firstRow: UInt32, columns: UInt16, values: [UInt64]) {
    precondition(columns > 0 && values.count % Int(columns) == 0, "a chunk holds whole rows")
    self.table = table
    self.firstRow = firstRow
    self.columns = columns
    self.values = values
  }

  public var rowCount: Int { values.count / Int(columns) }
}
