import SplicerConfig
import SplicerRouting
import XCTest

/// How picks spread over a pool, per algorithm. Seeds are fixed, so every run draws the same
/// numbers; the bounds are statistical, loose enough for any seed yet tight enough that an
/// algorithm ignoring weights or load falls outside them.
final class PoolBalancerDistributionTests: XCTestCase {
  let picks = 100_000

  /// Idle servers (no connection ever opens): every algorithm but `first` spreads by weight.
  /// Tolerance: ±3 % of each server's expected count, at least 3 standard deviations of a
  /// binomial draw at 100k picks for the shares below; ±15 % for the 1-in-273 server of
  /// 256:1:16 (about 3 standard deviations of its 366 expected picks). Ignoring the weights
  /// would miss by far more than either.
  func testIdleSharesFollowWeights() {
    let cases: [(BalanceAlgorithm, [Int], Double)] = [
      (.roundRobin, [1, 1, 1, 1], 0.03), (.roundRobin, [1, 2, 3, 4], 0.03), (.roundRobin, [5, 1, 1], 0.03),
      (.leastConnections, [1, 1, 1, 1], 0.03), (.leastConnections, [1, 1, 1, 1, 1, 1, 1], 0.03),
      (.randomTwo, [1, 1, 1, 1], 0.03), (.randomTwo, [1, 2, 3, 4], 0.03), (.randomTwo, [256, 1, 16], 0.15),
      (.sourceHash, [1, 1, 1, 1], 0.03), (.sourceHash, [1, 2, 3, 4], 0.03),
      (.sourceHash, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0.03),
    ]
    for (algorithm, weights, tolerance) in cases {
      let counts = BalancerFixtures.idleShares(algorithm, weights: weights, picks: picks, seed: 42)
      let expected = BalancerFixtures.expected(weights: weights, picks: picks)
      XCTAssertTrue(
        BalancerFixtures.within(counts, expected, tolerance: tolerance),
        "\(algorithm) weights \(weights): \(counts), expected \(expected)")
    }
  }

  /// Round robin is exact over whole cycles, not just within a tolerance.
  func testRoundRobinIsExactOverWholeCycles() {
    for weights in [[1, 1, 1, 1], [1, 2, 3, 4], [5, 1, 1], [256, 1, 7]] {
      let cycle = weights.reduce(0, +)
      let counts = BalancerFixtures.idleShares(.roundRobin, weights: weights, picks: cycle * 100, seed: 0)
      XCTAssertEqual(counts, weights.map { $0 * 100 }, "weights \(weights)")
    }
  }

  /// Idle least_connections only ever sees ties: the rotating tie-break alone must share them
  /// exactly.
  func testLeastConnectionsSharesTiesExactly() {
    let counts = BalancerFixtures.idleShares(.leastConnections, weights: [1, 1, 1, 1, 1], picks: 100_000, seed: 7)
    XCTAssertEqual(counts, [20_000, 20_000, 20_000, 20_000, 20_000])
  }

  /// Under load (1 000 connections open, each pick replacing one closed at random), picks
  /// follow weights for every algorithm but `first`. Tolerance: ±3 %, and ±4 % where
  /// least_connections and random_two reach 1:2:3:4 only through the load they see. Were
  /// either blind to weights, equal loads would close (and so reopen) 25 % per server.
  func testLoadedSharesFollowWeights() {
    let cases: [(BalanceAlgorithm, [Int], Double)] = [
      (.roundRobin, [1, 1, 1, 1], 0.03), (.roundRobin, [1, 2, 3, 4], 0.03),
      (.leastConnections, [1, 1, 1, 1], 0.03), (.leastConnections, [1, 2, 3, 4], 0.04),
      (.randomTwo, [1, 1, 1, 1], 0.03), (.randomTwo, [1, 2, 3, 4], 0.04),
      (.sourceHash, [1, 1, 1, 1], 0.03), (.sourceHash, [1, 2, 3, 4], 0.03),
    ]
    for (algorithm, weights, tolerance) in cases {
      let counts = BalancerFixtures.loadedShares(
        algorithm, weights: weights, picks: picks, openConnections: 1_000, seed: 99)
      let expected = BalancerFixtures.expected(weights: weights, picks: picks)
      XCTAssertTrue(
        BalancerFixtures.within(counts, expected, tolerance: tolerance),
        "\(algorithm) weights \(weights): \(counts), expected \(expected)")
    }
  }

  /// Least_connections' invariant: a server got its last connection only while it had no more
  /// connections per weight than any other, so (a_i - 1) / w_i <= a_j / w_j for every pair.
  /// An algorithm that ignored load or weights breaks it within a few picks.
  func testLeastConnectionsKeepsLoadPerWeightLevel() {
    let weights = [1, 2, 3, 4]
    var balancer = PoolBalancer(algorithm: .leastConnections, servers: BalancerFixtures.servers(weights), seed: 1)
    var active = [0, 0, 0, 0]
    for n in 0..<1_000 {
      let snapshot = active
      guard
        case .server(let index) = balancer.pick(
          clientKey: UInt64(n), avoiding: nil, eligibility: { .available(activeConnections: snapshot[$0]) })
      else { return XCTFail("refused a pick") }
      active[index] += 1
      for i in weights.indices where active[i] > 0 {
        for j in weights.indices {
          XCTAssertLessThanOrEqual((active[i] - 1) * weights[j], active[j] * weights[i], "active \(active)")
        }
      }
    }
    XCTAssertEqual(active, [100, 200, 300, 400])
  }

  /// random_two against one idle server among busy ones: it wins whenever it is one of the two
  /// drawn, which with four equal servers is half the time (1 - 3/4 · 2/3). Pure random would
  /// give 25 %, least_connections 100 %. Tolerance: ±2 percentage points.
  func testRandomTwoPrefersTheLessLoadedOfItsDraw() {
    var balancer = PoolBalancer(algorithm: .randomTwo, servers: BalancerFixtures.servers([1, 1, 1, 1]), seed: 3)
    let active = [0, 100, 100, 100]
    var idleWins = 0
    for n in 0..<picks {
      if balancer.pick(clientKey: UInt64(n), avoiding: nil, eligibility: { .available(activeConnections: active[$0]) })
        == .server(0)
      {
        idleWins += 1
      }
    }
    XCTAssertEqual(Double(idleWins) / Double(picks), 0.5, accuracy: 0.02)
  }

  /// Different seeds give different random_two draws (workers must not move in lockstep), and
  /// the same seed the same draws.
  func testRandomTwoDrawsFollowTheSeed() {
    func draws(seed: UInt64) -> [BalancerPick] {
      var balancer = PoolBalancer(algorithm: .randomTwo, servers: BalancerFixtures.servers([1, 1, 1, 1]), seed: seed)
      let active = [0, 1, 2, 3]
      return (0..<64).map { _ in
        balancer.pick(clientKey: 0, avoiding: nil, eligibility: { .available(activeConnections: active[$0]) })
      }
    }
    XCTAssertEqual(draws(seed: 1), draws(seed: 1))
    XCTAssertNotEqual(draws(seed: 1), draws(seed: 2))
  }
}
