import SplicerConfig
import SplicerRouting
import XCTest

/// Which servers may be picked at all: unavailable and full servers, backups, the avoided
/// server; the same rules for every algorithm.
final class PoolBalancerEligibilityTests: XCTestCase {
  /// What the picks of a case must be.
  enum Expect {
    /// Every pick is one of these servers, and over the run each of `seen` turns up.
    case among(Set<Int>, seen: Set<Int>)
    /// Every pick is exactly this.
    case always(BalancerPick)
  }

  /// "A": available and idle, "F": full, "U": unavailable (down or draining).
  static func eligibility(_ states: String) -> (Int) -> ServerEligibility {
    let states = Array(states)
    return { index in
      switch states[index] {
      case "A": .available(activeConnections: 0)
      case "F": .full
      default: .unavailable
      }
    }
  }

  // (what the case shows, server count, backup indexes, states, avoiding, expectation for the
  // balancing algorithms; `first` is checked for always picking the lowest allowed index)
  static let cases: [(String, Int, Set<Int>, String, Int?, Expect)] = [
    ("all available", 3, [], "AAA", nil, .among([0, 1, 2], seen: [0, 1, 2])),
    ("skips unavailable", 3, [], "UAA", nil, .among([1, 2], seen: [1, 2])),
    ("skips full", 3, [], "FAF", nil, .always(.server(1))),
    ("all full", 3, [], "FFF", nil, .always(.allFull)),
    ("full and down: wait", 3, [], "FUU", nil, .always(.allFull)),
    ("none up", 3, [], "UUU", nil, .always(.noneAvailable)),
    ("empty pool", 0, [], "", nil, .always(.noneAvailable)),
    ("avoided server skipped", 3, [], "AAA", 1, .among([0, 2], seen: [0, 2])),
    ("avoided server when it is the only one", 3, [], "AUF", 0, .always(.server(0))),
    ("avoided server among two", 2, [], "AA", 0, .always(.server(1))),
    ("avoided and full", 2, [], "FA", 1, .always(.server(1))),
    ("avoided server down, rest full", 2, [], "UF", 0, .always(.allFull)),
    ("backups idle while a primary is up", 4, [2, 3], "AUAA", nil, .always(.server(0))),
    ("backups when all primaries are down", 4, [2, 3], "UUAA", nil, .among([2, 3], seen: [2, 3])),
    ("full primaries wait, no spill to backups", 4, [2, 3], "FUAA", nil, .always(.allFull)),
    ("backups full", 4, [2, 3], "UUFF", nil, .always(.allFull)),
    ("backups skip unavailable", 4, [2, 3], "UUUA", nil, .always(.server(3))),
    ("everything down", 4, [2, 3], "UUUU", nil, .always(.noneAvailable)),
    ("avoided primary kept over backups", 3, [2], "AUA", 0, .always(.server(0))),
    ("avoided backup is the only one", 3, [1, 2], "UAU", 1, .always(.server(1))),
    ("a pool of backups only", 2, [0, 1], "AA", nil, .among([0, 1], seen: [0, 1])),
  ]

  func testEveryAlgorithmHonoursEligibility() {
    for algorithm in BalanceAlgorithm.allCases {
      for (name, count, backups, states, avoiding, expect) in Self.cases {
        var balancer = PoolBalancer(
          algorithm: algorithm, servers: BalancerFixtures.servers(Array(repeating: 1, count: count), backups: backups),
          seed: 5)
        let picks = (0..<200).map {
          balancer.pick(
            clientKey: BalancerFixtures.clientKey($0), avoiding: avoiding, eligibility: Self.eligibility(states))
        }
        let label = "\(algorithm) \(name)"
        switch expect {
        case .always(let pick):
          XCTAssertEqual(Set(picks), [pick], label)
        case .among(let allowed, let seen):
          let indexes = picks.compactMap { pick -> Int? in
            if case .server(let index) = pick { return index }
            return nil
          }
          XCTAssertEqual(indexes.count, picks.count, label)
          XCTAssertTrue(Set(indexes).isSubset(of: allowed), "\(label): \(Set(indexes))")
          if algorithm == .first {
            XCTAssertEqual(Set(indexes), [allowed.min()!], label)
          } else {
            XCTAssertEqual(Set(indexes), seen, label)
          }
        }
      }
    }
  }

  /// `first` fills servers in config order: the lowest index with room, moving on when full.
  func testFirstTakesTheLowestServerWithRoom() {
    let cases: [(states: String, avoiding: Int?, expected: BalancerPick)] = [
      ("AAAA", nil, .server(0)),
      ("FAAA", nil, .server(1)),
      ("UFAA", nil, .server(2)),
      ("FFFA", nil, .server(3)),
      ("AAAA", 0, .server(1)),
      ("FAFA", 1, .server(3)),
      ("FFFF", nil, .allFull),
    ]
    for (states, avoiding, expected) in cases {
      var balancer = PoolBalancer(algorithm: .first, servers: BalancerFixtures.servers([1, 2, 3, 4]), seed: 0)
      for _ in 0..<3 {
        XCTAssertEqual(
          balancer.pick(clientKey: 1, avoiding: avoiding, eligibility: Self.eligibility(states)), expected,
          "\(states) avoiding \(String(describing: avoiding))")
      }
    }
  }

  /// `first` ignores load: a busier first server still gets the connection while it has room.
  func testFirstIgnoresLoadUntilFull() {
    var balancer = PoolBalancer(algorithm: .first, servers: BalancerFixtures.servers([1, 1]), seed: 0)
    let maxConnections = 10
    var active = [0, 0]
    var picks: [Int] = []
    for _ in 0..<15 {
      let snapshot = active
      guard
        case .server(let index) = balancer.pick(
          clientKey: 0, avoiding: nil,
          eligibility: { snapshot[$0] >= maxConnections ? .full : .available(activeConnections: snapshot[$0]) })
      else { return XCTFail("refused a pick") }
      active[index] += 1
      picks.append(index)
    }
    XCTAssertEqual(picks, Array(repeating: 0, count: 10) + Array(repeating: 1, count: 5))
  }
}
