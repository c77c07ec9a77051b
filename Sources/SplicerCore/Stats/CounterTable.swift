import Synchronization

/// A fixed grid of 64-bit counters (rows × columns), each written by a single thread and
/// readable from any thread.
///
/// The writer uses a relaxed load and store rather than an atomic add: with one writer per
/// table there is nothing to lose, and the data path pays no locked instruction.
public final class CounterTable: @unchecked Sendable {
  public let rows: Int
  public let columns: Int
  private let cells: UnsafeMutablePointer<Atomic<UInt64>>

  public init(rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
    let count = max(1, rows * columns)
    cells = .allocate(capacity: count)
    for i in 0..<count { (cells + i).initialize(to: Atomic(0)) }
  }

  deinit {
    cells.deinitialize(count: max(1, rows * columns))
    cells.deallocate()
  }

  /// Adds `amount`; only the owning thread may call it.
  @inline(__always)
  public func add(_ row: Int, _ column: Int, _ amount: UInt64 = 1) {
    let cell = cells + (row &* columns &+ column)
    cell.pointee.store(cell.pointee.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
  }

  /// Overwrites a gauge; only the owning thread may call it.
  @inline(__always)
  public func set(_ row: Int, _ column: Int, _ value: UInt64) {
    (cells + (row &* columns &+ column)).pointee.store(value, ordering: .relaxed)
  }

  /// Reads a cell from any thread.
  public func value(_ row: Int, _ column: Int) -> UInt64 {
    (cells + (row &* columns &+ column)).pointee.load(ordering: .relaxed)
  }
}
