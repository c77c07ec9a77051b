import SplicerConfig
import SplicerRouting
import XCTest

final class ConnectPlanTests: XCTestCase {
  let idle: (Int) -> ServerEligibility = { _ in .available(activeConnections: 0) }

  func balancer(_ algorithm: BalanceAlgorithm = .roundRobin, servers: Int) -> PoolBalancer {
    PoolBalancer(algorithm: algorithm, servers: BalancerFixtures.servers(Array(repeating: 1, count: servers)), seed: 0)
  }

  /// Every step until the plan stops handing out servers.
  func run(
    _ plan: inout ConnectPlan, _ balancer: inout PoolBalancer, eligibility: (Int) -> ServerEligibility
  ) -> (servers: [Int], end: ConnectPlan.Step) {
    var servers: [Int] = []
    while true {
      let step = plan.next(balancer: &balancer, clientKey: 7, eligibility: eligibility)
      guard case .server(let index) = step else { return (servers, step) }
      servers.append(index)
    }
  }

  /// (servers, retries, expected picks with round robin from a fresh balancer)
  func testAttemptsAreBoundedByRetries() {
    let cases: [(servers: Int, retries: Int, expected: [Int])] = [
      (1, 0, [0]),
      (1, 2, [0, 0, 0]),  // a single server is retried: there is no other
      (2, 1, [0, 1]),
      (3, 2, [0, 1, 2]),
      (3, 5, [0, 1, 2, 1, 2, 0]),  // each retry avoids the server just tried
      (4, 0, [0]),
      (3, -1, [0]),  // negative retries mean none
    ]
    for (count, retries, expected) in cases {
      var balancer = balancer(servers: count)
      var plan = ConnectPlan(retries: retries)
      let (picks, end) = run(&plan, &balancer, eligibility: idle)
      XCTAssertEqual(picks, expected, "servers \(count) retries \(retries)")
      XCTAssertEqual(end, .exhausted)
      XCTAssertTrue(plan.isExhausted)
    }
  }

  func testNeverTheSameServerTwiceInARowWhenThereIsAnother() {
    for algorithm in BalanceAlgorithm.allCases {
      for count in 2...6 {
        var balancer = balancer(algorithm, servers: count)
        var plan = ConnectPlan(retries: 10)
        let (picks, end) = run(&plan, &balancer, eligibility: idle)
        XCTAssertEqual(picks.count, 11, "\(algorithm) \(count)")
        XCTAssertEqual(end, .exhausted)
        for (previous, next) in zip(picks, picks.dropFirst()) {
          XCTAssertNotEqual(previous, next, "\(algorithm) \(count): \(picks)")
        }
      }
    }
  }

  /// With only one server available the retry goes back to it rather than failing early.
  func testRetriesTheOnlyAvailableServer() {
    var balancer = balancer(servers: 3)
    var plan = ConnectPlan(retries: 2)
    let (picks, end) = run(&plan, &balancer, eligibility: PoolBalancerEligibilityTests.eligibility("UAF"))
    XCTAssertEqual(picks, [1, 1, 1])
    XCTAssertEqual(end, .exhausted)
  }

  /// Unavailable servers are skipped without spending attempts.
  /// (servers, retries, states "A"/"U", expected picks with round robin until exhausted)
  func testUnavailableServersAreSkippedWithoutSpendingAttempts() {
    let cases: [(servers: Int, retries: Int, states: String, expected: [Int])] = [
      (3, 2, "AUA", [0, 2, 0]),  // 1 is skipped; the two left take turns
      (3, 2, "UAU", [1, 1, 1]),
      (4, 1, "UUAA", [2, 3]),
      (4, 3, "UUUA", [3, 3, 3, 3]),
    ]
    for (count, retries, states, expected) in cases {
      var balancer = balancer(servers: count)
      var plan = ConnectPlan(retries: retries)
      let (picks, end) = run(&plan, &balancer, eligibility: PoolBalancerEligibilityTests.eligibility(states))
      XCTAssertEqual(picks, expected, "\(states) retries \(retries)")
      XCTAssertEqual(end, .exhausted)
    }
  }

  func testRepeatLastAttemptGivesTheSameServerWithoutSpendingAnAttempt() {
    var balancer = balancer(servers: 3)
    var plan = ConnectPlan(retries: 1)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(0))
    plan.repeatLastAttempt()
    plan.repeatLastAttempt()  // asking twice gives back one attempt only
    XCTAssertEqual(plan.attemptsLeft, 2)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(0))
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(1))
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .exhausted)
    // The balancer moved for the two real picks only: its next pick is the third server.
    XCTAssertEqual(balancer.pick(clientKey: 0, avoiding: nil, eligibility: idle), .server(2))
  }

  /// A server found full after the pick (another worker took its last slot) costs no attempt:
  /// with no retries left the plan still queues (all full) instead of giving up.
  func testRefundedAttemptIsNotSpentAndTheServerIsStillAvoided() {
    var balancer = balancer(servers: 2)
    var plan = ConnectPlan(retries: 0)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(0))
    plan.refundLastAttempt()
    XCTAssertEqual(plan.attemptsLeft, 1)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(1))
    XCTAssertTrue(plan.isExhausted)
    var single = ConnectPlan(retries: 0)
    var one = self.balancer(servers: 1)
    XCTAssertEqual(single.next(balancer: &one, clientKey: 0, eligibility: idle), .server(0))
    single.refundLastAttempt()
    XCTAssertEqual(
      single.next(balancer: &one, clientKey: 0, eligibility: PoolBalancerEligibilityTests.eligibility("F")), .allFull)
  }

  /// A repeated attempt whose server went down meanwhile goes to another server instead.
  func testRepeatLastAttemptPicksAfreshWhenTheServerWentDown() {
    var balancer = balancer(servers: 3)
    var plan = ConnectPlan(retries: 0)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(0))
    plan.repeatLastAttempt()
    let step = plan.next(
      balancer: &balancer, clientKey: 0, eligibility: PoolBalancerEligibilityTests.eligibility("UAA"))
    XCTAssertEqual(step, .server(1))
    XCTAssertTrue(plan.isExhausted)
  }

  func testRepeatBeforeAnyAttemptDoesNothing() {
    var balancer = balancer(servers: 2)
    var plan = ConnectPlan(retries: 0)
    plan.repeatLastAttempt()
    XCTAssertEqual(plan.attemptsLeft, 1)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(0))
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .exhausted)
  }

  /// Finding nothing usable spends no attempt and is told apart from running out of attempts.
  func testNoneAvailableAndAllFullAreNotExhaustion() {
    var balancer = balancer(servers: 2)
    var plan = ConnectPlan(retries: 1)
    let down = PoolBalancerEligibilityTests.eligibility("UU")
    let full = PoolBalancerEligibilityTests.eligibility("FF")
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: down), .noneAvailable)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: full), .allFull)
    XCTAssertFalse(plan.isExhausted)
    XCTAssertEqual(plan.attemptsLeft, 2)
    // A connection that waited for a slot then gets its full set of attempts.
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(0))
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: full), .allFull)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .server(1))
    // Once exhausted it says so, whatever the servers' state.
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: down), .exhausted)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .exhausted)
  }

  func testEmptyPoolHasNoServer() {
    var balancer = balancer(servers: 0)
    var plan = ConnectPlan(retries: 3)
    XCTAssertEqual(plan.next(balancer: &balancer, clientKey: 0, eligibility: idle), .noneAvailable)
    XCTAssertFalse(plan.isExhausted)
  }

  /// First picks of many connections spread like the balancer's own picks.
  func testFirstPicksSpreadEvenly() {
    var balancer = balancer(servers: 5)
    var counts = [0, 0, 0, 0, 0]
    for _ in 0..<100_000 {
      var plan = ConnectPlan(retries: 2)
      guard case .server(let index) = plan.next(balancer: &balancer, clientKey: 0, eligibility: idle) else {
        return XCTFail("refused a pick")
      }
      counts[index] += 1
    }
    XCTAssertEqual(counts, [20_000, 20_000, 20_000, 20_000, 20_000])
  }
}
