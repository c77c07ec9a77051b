/// The outcome of one `PoolBalancer.pick`.
public enum BalancerPick: Sendable, Hashable {
  /// Connect to the server at this index in the pool.
  case server(Int)
  /// Servers are up but every one of them is at its connection limit: wait for a free slot.
  case allFull
  /// No server that may be used is up (all down or draining): fail over or close.
  case noneAvailable
}
