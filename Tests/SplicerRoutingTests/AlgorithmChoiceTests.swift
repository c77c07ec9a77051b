import SplicerConfig
import SplicerRouting
import XCTest

/// Each algorithm's own choice: round robin's exact order, least_connections on given loads,
/// random_two with one candidate.
final class AlgorithmChoiceTests: XCTestCase {
  /// (weights, states "A"/"F"/"U" per server, one cycle of picks as letters a, b, c, …)
  func testSmoothWeightedSequences() {
    let cases: [(weights: [Int], states: String, cycle: String)] = [
      ([5, 1, 1], "AAA", "aabacaa"),  // nginx's own example
      ([1, 1, 1], "AAA", "abc"),
      ([2, 1], "AA", "aba"),
      ([4, 2, 1], "AAA", "abacaba"),
      ([1, 1, 1], "AUA", "ac"),  // a down server is skipped, the rest keep their turns
      ([1, 1, 1], "AFA", "ac"),  // so is a full one
      ([5, 1, 1], "UAA", "bc"),
      ([3, 1, 1], "AAU", "aaba"),
    ]
    for (weights, states, cycle) in cases {
      var balancer = PoolBalancer(algorithm: .roundRobin, servers: BalancerFixtures.servers(weights), seed: 0)
      let eligibility = PoolBalancerEligibilityTests.eligibility(states)
      // Three cycles: the order repeats, so the running weights come back to where they began.
      let letters = (0..<(cycle.count * 3)).map { _ -> Character in
        guard case .server(let index) = balancer.pick(clientKey: 0, avoiding: nil, eligibility: eligibility) else {
          return "?"
        }
        return Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index)))
      }
      XCTAssertEqual(String(letters), String(repeating: cycle, count: 3), "weights \(weights) \(states)")
    }
  }

  /// Workers pass their index as the seed so their first connections go to different servers.
  func testSeedsMoveTheStartingPoint() {
    var firstPicks: [BalancerPick] = []
    for seed: UInt64 in 0..<4 {
      var balancer = PoolBalancer(algorithm: .roundRobin, servers: BalancerFixtures.servers([1, 1, 1, 1]), seed: seed)
      firstPicks.append(balancer.pick(clientKey: 0, avoiding: nil) { _ in .available(activeConnections: 0) })
    }
    XCTAssertEqual(firstPicks, [.server(0), .server(1), .server(2), .server(3)])
  }

  /// A seed far larger than the cycle still starts inside the cycle and keeps the weights.
  func testLargeSeedKeepsTheWeights() {
    var balancer = PoolBalancer(algorithm: .roundRobin, servers: BalancerFixtures.servers([5, 1, 1]), seed: .max)
    var counts = [0, 0, 0]
    for _ in 0..<700 {
      guard
        case .server(let index) = balancer.pick(
          clientKey: 0, avoiding: nil, eligibility: { _ in .available(activeConnections: 0) })
      else { return XCTFail("refused a pick") }
      counts[index] += 1
    }
    XCTAssertEqual(counts, [500, 100, 100])
  }

  /// (weights, active connections, expected pick): fewest connections per unit of weight.
  func testLeastConnectionsChoices() {
    let cases: [(weights: [Int], active: [Int], expected: Int)] = [
      ([1, 1, 1], [3, 1, 2], 1),
      ([1, 2], [1, 1], 1),  // 1/2 < 1/1
      ([1, 2], [1, 3], 0),  // 1/1 < 3/2
      ([1, 3], [1, 3], 0),  // tie (1/1 = 3/3): the rotation starts at server 0
      ([256, 1], [255, 0], 1),
      ([256, 1], [255, 1], 0),  // 255/256 < 1/1
    ]
    for (weights, active, expected) in cases {
      var balancer = PoolBalancer(algorithm: .leastConnections, servers: BalancerFixtures.servers(weights), seed: 0)
      XCTAssertEqual(
        balancer.pick(clientKey: 0, avoiding: nil, eligibility: { .available(activeConnections: active[$0]) }),
        .server(expected), "weights \(weights) active \(active)")
    }
  }

  /// Equally loaded servers take turns, also when some of them are skipped.
  func testLeastConnectionsRotatesAmongEquals() {
    var balancer = PoolBalancer(algorithm: .leastConnections, servers: BalancerFixtures.servers([1, 1, 1, 1]), seed: 0)
    let picks = (0..<8).map { _ in
      balancer.pick(clientKey: 0, avoiding: nil, eligibility: PoolBalancerEligibilityTests.eligibility("AUAA"))
    }
    XCTAssertEqual(picks, [0, 2, 3, 0, 2, 3, 0, 2].map { BalancerPick.server($0) })
  }

  /// With a single candidate random_two has no second draw and returns it.
  func testRandomTwoWithOneCandidate() {
    var balancer = PoolBalancer(algorithm: .randomTwo, servers: BalancerFixtures.servers([1, 4, 2]), seed: 11)
    for _ in 0..<50 {
      XCTAssertEqual(
        balancer.pick(clientKey: 0, avoiding: nil, eligibility: PoolBalancerEligibilityTests.eligibility("UFA")),
        .server(2))
    }
  }
}
