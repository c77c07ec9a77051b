/// One listener's `listener_total` divided equally among its active connections, with a dead
/// band so that a busy listener is not re-divided whenever one connection starts or stops.
///
/// Pure: it sees only counts. `PacingDivider` holds one per listener with a total, feeds it
/// the listener's count of active connections (`ListenerLimit.activeConnections`, across all
/// workers) and re-paces the open connections when `update` says the share changed.
///
/// The share is computed for a little more than the connections open (`headroom`, 1/16), so
/// that the connections can grow by that much before every one of them must be slowed: the
/// listener stays under its total, at the price of leaving up to 1/16 of it unused. The count
/// may also fall by 1/8 before the share rises. Either way a re-division touches every open
/// connection of the listener, so it happens only after the count moved by a fraction of
/// itself, which bounds its cost per connection accepted or closed. Up to 16 connections, any
/// change re-divides (the band is narrower than one connection).
struct FairShare: Equatable {
  /// The listener's total in bytes per second.
  let total: UInt64
  /// The connection count the share is divided by: at least the count it was computed for.
  private(set) var divisor: Int

  init(total: UInt64, connections: Int) {
    self.total = total
    divisor = Self.divisor(for: connections)
  }

  /// Each connection's share in bytes per second (at least 1: 0 would stop a connection).
  var bytesPerSecond: UInt64 { max(1, total / UInt64(divisor)) }

  /// Takes the current connection count; true when the share changed, i.e. when the open
  /// connections must be paced anew.
  mutating func update(connections: Int) -> Bool {
    let count = max(1, connections)
    if count <= divisor && count >= divisor - divisor / 8 { return false }
    let next = Self.divisor(for: count)
    guard next != divisor else { return false }
    divisor = next
    return true
  }

  /// The count plus headroom for 1/16 more connections.
  static func divisor(for connections: Int) -> Int {
    let count = max(1, connections)
    return count + count / 16
  }
}
