@testable import SplicerRouting

extension SplitMix64 {
  /// A uniform value in 0..<1, for loss and jitter draws whose pattern depends on the seed only.
  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
