/// A listener's traffic mirror (`mirror:`): a copy of what clients send goes to a server of
/// another pool (a shadow), whose replies are thrown away.
///
/// The mirror never slows or breaks the real connection: a shadow that cannot keep up, is
/// down or resets loses its copy of that connection (see docs/ARCHITECTURE.md, Mirroring).
public struct MirrorConfig: Sendable, Equatable {
  public static let sampleRange = 0...100

  /// The pool the copies go to; the loader checks that it exists.
  public var pool: String
  /// The share of connections mirrored, in percent (0–100).
  public var samplePercent: Int

  public init(pool: String, samplePercent: Int = 100) {
    self.pool = pool
    self.samplePercent = samplePercent
  }
}
