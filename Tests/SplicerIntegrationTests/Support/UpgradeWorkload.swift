@testable import SplicerRouting

/// Seeded random transfers for the live upgrade tests: sizes up to a few MiB, drawn so that
/// one direction often ends long before the other (a half-closed connection at the upgrade).
struct UpgradeWorkload {
  private var random: SplitMix64
  private var nextSeed: UInt64

  init(seed: UInt64) {
    random = SplitMix64(seed: seed)
    nextSeed = seed << 16
  }

  /// A size up to `limit`: mostly small, one in eight up to the limit.
  mutating func size(upTo limit: Int) -> Int {
    let bound = random.next() % 8 == 0 ? limit : limit / 16
    return Int(random.next() % UInt64(bound + 1))
  }

  /// `count` transfers, each direction up to `limit` bytes.
  mutating func specs(_ count: Int, upTo limit: Int) -> [TransferSpec] {
    (0..<count).map { _ in spec(request: size(upTo: limit), response: size(upTo: limit)) }
  }

  /// `count` transfers whose request is at most `short` bytes and whose reply is between
  /// `long / 4` and `long`, or the other way round (`swapped`): the short side ends first.
  mutating func lopsided(_ count: Int, short: Int, long: Int, swapped: Bool = false) -> [TransferSpec] {
    (0..<count).map { _ in
      let small = Int(random.next() % UInt64(short + 1))
      let large = long / 4 + Int(random.next() % UInt64(long - long / 4 + 1))
      return swapped ? spec(request: large, response: small) : spec(request: small, response: large)
    }
  }

  private mutating func spec(request: Int, response: Int) -> TransferSpec {
    nextSeed += 1
    return TransferSpec(requestLength: request, responseLength: response, seed: nextSeed)
  }
}
