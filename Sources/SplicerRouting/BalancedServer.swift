/// What a balancer knows about one server of a pool: its share and its tier, never its socket.
///
/// The pool owns the servers; a `PoolBalancer` keeps a copy of these values and refers to a
/// server only by its index in the pool. The relay builds them from the pool's configuration.
public struct BalancedServer: Sendable, Hashable {
  /// The share of new connections relative to the other servers of the same tier, 1...256.
  public let weight: Int
  /// A backup takes connections only while no primary server of the pool is up.
  public let backup: Bool
  /// A stable hash of the server's configured address; `source_hash` maps clients with it,
  /// so it must not change between workers, restarts or releases.
  public let hashIdentity: UInt64

  /// The largest weight a server may have; the config loader rejects anything outside `1...maxWeight`.
  public static let maxWeight = 256

  public init(weight: Int = 1, backup: Bool = false, hashIdentity: UInt64) {
    // The config loader validated the weight, so a value out of range is a bug, not bad input.
    precondition((1...Self.maxWeight).contains(weight), "server weight \(weight) outside 1...\(Self.maxWeight)")
    self.weight = weight
    self.backup = backup
    self.hashIdentity = hashIdentity
  }

  /// A server identified by its configured address text, e.g. `10.0.0.7:8080`.
  public init(weight: Int = 1, backup: Bool = false, address: String) {
    self.init(weight: weight, backup: backup, hashIdentity: Self.stableHash(address))
  }

  /// A 64-bit hash of `text`'s UTF-8 bytes that is the same in every process and release:
  /// FNV-1a followed by a SplitMix64 finaliser, which spreads FNV's weak low bits.
  ///
  /// Swift's `Hasher` is seeded per process and would send the same client to different
  /// servers from different workers, and to new servers after every restart.
  public static func stableHash(_ text: String) -> UInt64 {
    stableHash(bytes: text.utf8)
  }

  /// `stableHash(_:)` over raw bytes.
  public static func stableHash(bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    return mix64(hash)
  }

  /// The SplitMix64 finaliser (Stafford's variant 13): every input bit flips about half of the
  /// output bits.
  static func mix64(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
