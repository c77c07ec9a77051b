/// An IP network written as `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128),
/// used by `allow`, `deny`, `source` routes and `accept_proxy.trusted`.
///
/// A value owns its masked network bytes; `contains` compares them with the address of a
/// connection without allocating, since it runs for every accepted connection.
///
/// IPv4 clients of a dual-stack (`[::]`) listener arrive as IPv4-mapped IPv6 addresses
/// (`::ffff:a.b.c.d`); `contains` treats those as the IPv4 address they carry, so an IPv4
/// CIDR gives the same answer for a client whichever listener it came through. For the same
/// reason an IPv6 CIDR inside `::ffff:0:0/96` is stored as the IPv4 CIDR it describes, and
/// other IPv6 CIDRs (`::/0` included) never match IPv4 clients.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
  public let family: Endpoint.Family
  /// The network address, 4 or 16 bytes, with every bit past `prefixLength` zero.
  public let networkBytes: [UInt8]
  /// Leading bits that must match: 0...32 for IPv4, 0...128 for IPv6.
  public let prefixLength: Int

  // The network and mask as big-endian words, so that `contains` is two ANDs and compares.
  // For IPv4 only `high` is used, holding the address in its low 32 bits.
  private let high: UInt64
  private let low: UInt64
  private let highMask: UInt64
  private let lowMask: UInt64

  /// A network from its address bytes (4 or 16) and prefix length; bits past the prefix are
  /// cleared. Returns nil for another byte count or a prefix out of range.
  public init?(networkBytes bytes: some Collection<UInt8>, prefixLength: Int) {
    guard let family = Self.family(ofByteCount: bytes.count),
      (0...(family == .ipv4 ? 32 : 128)).contains(prefixLength)
    else {
      return nil
    }
    self.init(family: family, bytes: Array(bytes), prefixLength: prefixLength)
  }

  init(family: Endpoint.Family, bytes: [UInt8], prefixLength: Int) {
    let (high, low) = Self.words(bytes)
    if family == .ipv4 {
      let mask: UInt64 = prefixLength == 0 ? 0 : (0xFFFF_FFFF << (32 - UInt64(prefixLength))) & 0xFFFF_FFFF
      self.highMask = mask
      self.lowMask = 0
    } else {
      self.highMask = Self.mask(bits: prefixLength)
      self.lowMask = Self.mask(bits: prefixLength - 64)
    }
    self.family = family
    self.prefixLength = prefixLength
    self.high = high & highMask
    self.low = low & lowMask
    self.networkBytes = Self.bytes(high: self.high, low: self.low, count: bytes.count)
  }

  /// Whether the address with these bytes (4 for IPv4, 16 for IPv6, in network order) lies in
  /// this network; any other byte count is never contained.
  @inlinable
  public func contains(_ ipBytes: some Collection<UInt8>) -> Bool {
    contains(IPAddressWords(ipBytes))
  }

  /// Whether `address` lies in this network. An IPv4-mapped IPv6 address matches IPv4
  /// networks only; IPv4 networks never match other IPv6 addresses.
  public func contains(_ address: IPAddressWords) -> Bool {
    switch address.family {
    case .ipv4(let word): family == .ipv4 && word & highMask == high
    case .ipv6(let addressHigh, let addressLow):
      family == .ipv6 && addressHigh & highMask == high && addressLow & lowMask == low
    case .none: false
    }
  }

  /// `10.0.0.0/8`, `fd00::/8`; always with the prefix, also for single addresses.
  public var description: String {
    let host: String
    if family == .ipv4 {
      host = networkBytes.map(String.init).joined(separator: ".")
    } else {
      host = EndpointParser.format(ipv6: networkBytes)
    }
    return "\(host)/\(prefixLength)"
  }

  static func family(ofByteCount count: Int) -> Endpoint.Family? {
    switch count {
    case 4: return .ipv4
    case 16: return .ipv6
    default: return nil
    }
  }

  /// The top `bits` bits set (clamped to 0...64).
  private static func mask(bits: Int) -> UInt64 {
    if bits <= 0 { return 0 }
    if bits >= 64 { return .max }
    return .max << (64 - UInt64(bits))
  }

  private static func words(_ bytes: [UInt8]) -> (UInt64, UInt64) {
    var high: UInt64 = 0
    var low: UInt64 = 0
    for (offset, byte) in bytes.enumerated() {
      if bytes.count == 4 || offset < 8 {
        high = high << 8 | UInt64(byte)
      } else {
        low = low << 8 | UInt64(byte)
      }
    }
    return (high, low)
  }

  private static func bytes(high: UInt64, low: UInt64, count: Int) -> [UInt8] {
    if count == 4 {
      return (0..<4).map { UInt8(truncatingIfNeeded: high >> (24 - 8 * UInt64($0))) }
    }
    return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
      + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
  }
}
