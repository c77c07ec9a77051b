extension WorkerStats {
  /// Every counter table of a proxy summed over its workers, dense: the form in which a live
  /// upgrade carries the counters from the old process (`summed`) into the new one (`seed`).
  ///
  /// One `Table` per `WorkerStats` table, rows as in the `StatsLayout` (row 0 for the two
  /// worker-wide tables), columns as the table's enum cases by raw value. A plain value; the
  /// upgrade's wire record is built from it and back.
  public struct Seed: Sendable, Equatable {
    /// One table's cells, row by row, and how many columns a row has.
    public struct Table: Sendable, Equatable {
      public var columns: Int
      /// `rows * columns` cells: row 0's columns, then row 1's, ...
      public var values: [UInt64]

      public init(columns: Int, values: [UInt64]) {
        self.columns = columns
        self.values = values
      }

      /// An all-zero table.
      public init(rows: Int, columns: Int) {
        self.init(columns: columns, values: Array(repeating: 0, count: rows * columns))
      }

      public var rows: Int { columns == 0 ? 0 : values.count / columns }

      public subscript(row: Int, column: Int) -> UInt64 {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
      }
    }

    public var global: Table
    public var fallbacks: Table
    public var listeners: Table
    public var listenerCloses: Table
    public var servers: Table
    public var serverFailures: Table
    public var inspections: Table
    public var mirrors: Table

    public init(
      global: Table, fallbacks: Table, listeners: Table, listenerCloses: Table, servers: Table,
      serverFailures: Table, inspections: Table, mirrors: Table
    ) {
      self.global = global
      self.fallbacks = fallbacks
      self.listeners = listeners
      self.listenerCloses = listenerCloses
      self.servers = servers
      self.serverFailures = serverFailures
      self.inspections = inspections
      self.mirrors = mirrors
    }
  }
}
