/// Per-direction packet counts of an `ImpairedLink`, so a test can show that the fault it
/// asked for really happened (a loss test in which nothing was lost proves nothing).
struct LinkStats: Sendable, Equatable {
  /// Packets delivered (after their delay).
  var delivered = 0
  /// Packets dropped by `loss`.
  var dropped = 0
  /// Packets that skipped the delay queue by `reorder`.
  var reordered = 0
}
