/// A small, fast, seedable random number generator (Steele, Lea and Flood's SplitMix64).
///
/// Owned by one `PoolBalancer`. Seeded so that tests are deterministic and so that workers,
/// given different seeds, do not draw the same sequence. Not for anything secret.
struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    return BalancedServer.mix64(state)
  }
}
