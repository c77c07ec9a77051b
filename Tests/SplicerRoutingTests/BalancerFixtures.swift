import SplicerConfig

@testable import SplicerRouting

/// Pools, eligibility and simulated load shared by the balancer tests.
enum BalancerFixtures {
  /// Servers `10.0.0.<i+1>:8080` with the given weights; `backups` lists backup indexes.
  static func servers(_ weights: [Int], backups: Set<Int> = []) -> [BalancedServer] {
    weights.enumerated().map { index, weight in
      BalancedServer(weight: weight, backup: backups.contains(index), address: address(index))
    }
  }

  static func address(_ index: Int) -> String { "10.0.0.\(index + 1):8080" }

  /// The key of the `n`th distinct client, an IPv4 address.
  static func clientKey(_ n: Int) -> UInt64 {
    PoolBalancer.clientKey([
      UInt8(10), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n),
    ])
  }

  /// Picks per server after `picks` picks from distinct clients, every server available and idle.
  static func idleShares(_ algorithm: BalanceAlgorithm, weights: [Int], picks: Int, seed: UInt64) -> [Int] {
    var balancer = PoolBalancer(algorithm: algorithm, servers: servers(weights), seed: seed)
    var counts = Array(repeating: 0, count: weights.count)
    for n in 0..<picks {
      guard
        case .server(let index) = balancer.pick(
          clientKey: clientKey(n), avoiding: nil, eligibility: { _ in .available(activeConnections: 0) })
      else {
        preconditionFailure("an idle pool refused a pick")
      }
      counts[index] += 1
    }
    return counts
  }

  /// Picks per server under load: every pick opens a connection on the chosen server, and once
  /// `openConnections` are open, each pick first closes one open connection chosen uniformly
  /// (so a server loses connections in proportion to how many it holds).
  static func loadedShares(
    _ algorithm: BalanceAlgorithm, weights: [Int], picks: Int, openConnections: Int, seed: UInt64
  ) -> [Int] {
    var balancer = PoolBalancer(algorithm: algorithm, servers: servers(weights), seed: seed)
    // A generator apart from the balancer's own, so that the simulated load does not move
    // in step with the balancer's draws.
    var random = SplitMix64(seed: seed ^ 0x5eed)
    var active = Array(repeating: 0, count: weights.count)
    var open = 0
    var counts = Array(repeating: 0, count: weights.count)
    for n in 0..<(picks + openConnections) {
      if open == openConnections {
        var ticket = Int(random.next(upperBound: UInt64(open)))
        let victim = active.firstIndex {
          ticket -= $0; return ticket < 0
        }!
        active[victim] -= 1
        open -= 1
      }
      let snapshot = active
      guard
        case .server(let index) = balancer.pick(
          clientKey: clientKey(n), avoiding: nil, eligibility: { .available(activeConnections: snapshot[$0]) })
      else {
        preconditionFailure("a pool without limits refused a pick")
      }
      active[index] += 1
      open += 1
      // The first `openConnections` picks fill the pool; only the steady state is counted.
      if n >= openConnections { counts[index] += 1 }
    }
    return counts
  }

  /// The expected picks per server for `weights` out of `picks`.
  static func expected(weights: [Int], picks: Int) -> [Double] {
    let total = Double(weights.reduce(0, +))
    return weights.map { Double(picks) * Double($0) / total }
  }

  /// Whether every count is within `tolerance` (a fraction, 0.03 = ±3 %) of its expected value.
  static func within(_ counts: [Int], _ expected: [Double], tolerance: Double) -> Bool {
    zip(counts, expected).allSatisfy { abs(Double($0) - $1) <= $1 * tolerance }
  }
}
