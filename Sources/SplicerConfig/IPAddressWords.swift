/// A client address in the form `CIDR.contains` compares: read once per connection, then
/// matched against every network of the access rules and routes without touching the bytes
/// again (and without the generic collection access that allocated on every check).
public struct IPAddressWords: Sendable, Equatable {
  public enum Family: Sendable, Equatable {
    /// An IPv4 address, or an IPv4-mapped IPv6 one (`::ffff:a.b.c.d`, the IPv4 client of a
    /// dual-stack socket), in the low 32 bits.
    case ipv4(UInt64)
    case ipv6(high: UInt64, low: UInt64)
    /// Not 4 or 16 bytes (a unix peer): no network contains it.
    case none
  }

  public let family: Family

  // Inlinable, so that each caller gets a copy specialised for its collection: across
  // modules, the generic iteration looked up conformances and allocated, about 6,700
  // instructions per connection for its two calls (callgrind).
  /// - Parameter bytes: 4 (IPv4) or 16 (IPv6) address bytes in network order.
  @inlinable
  public init(_ bytes: some Collection<UInt8>) {
    var high: UInt64 = 0
    var low: UInt64 = 0
    switch bytes.count {
    case 4:
      for byte in bytes { high = high << 8 | UInt64(byte) }
      family = .ipv4(high)
    case 16:
      for (offset, byte) in bytes.enumerated() {
        if offset < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
      }
      family = high == 0 && low >> 32 == 0xFFFF ? .ipv4(low & 0xFFFF_FFFF) : .ipv6(high: high, low: low)
    default:
      family = .none
    }
  }
}
