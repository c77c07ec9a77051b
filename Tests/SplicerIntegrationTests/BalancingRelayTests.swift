import Foundation
import Glibc
import XCTest

/// The balancing algorithms end to end, on a relay with one worker (each worker balances on
/// its own, so one worker makes the promised distribution exact): round_robin's weighted
/// shares and spread, least_connections and random_two's fewest connections per weight, and
/// first's filling servers in file order up to their max_connections.
final class BalancingRelayTests: BalancingTestCase {
  private func relay(balance: String, servers: [String]) throws -> SplicerProcess {
    try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
        pools:
          app:
            balance: \(balance)
            servers:
        \(servers.map { "      - \($0)" }.joined(separator: "\n"))
        log: { level: info, format: json, access_log: true }
        """)
  }

  /// Weights 1 and 3 over 40 connections: exactly 10 and 30, whatever the worker's starting
  /// point in the cycle (40 is ten whole cycles), and smooth: the light server's turns are
  /// spread, one in every four consecutive connections, never two in a row.
  func testRoundRobinGivesEachServerItsWeightsShareSpreadOut() throws {
    let light = try TestBackend()
    defer { light.stop() }
    let heavy = try TestBackend()
    defer { heavy.stop() }
    let backends = [light, heavy]
    let relay = try relay(
      balance: "round_robin",
      servers: [
        "{ address: \"127.0.0.1:\(light.port)\", weight: 1 }", "{ address: \"127.0.0.1:\(heavy.port)\", weight: 3 }",
      ]
    )
    defer { relay.stop() }
    var sequence: [Int] = []
    for index in 0..<40 {
      let held = try openHeld(port: relay.port(), backends: backends)
      sequence.append(held.server)
      finish(held, relay: relay, closedBefore: index)
    }
    XCTAssertEqual(acceptedCounts(backends), [10, 30])
    for start in 0...(sequence.count - 4) {
      XCTAssertEqual(
        sequence[start..<start + 4].filter { $0 == 0 }.count, 1, "light server's turns bunched: \(sequence)")
    }
  }

  /// Connections held open, weights 1 and 3: each new one goes to the server with the fewest
  /// open connections per unit of weight, so 8 open connections end 2 and 6 whatever the ties
  /// chose. When the light server's two end, the next two go there (0 < 6/3, 1 < 6/3).
  private func assertFewestConnectionsPerWeight(balance: String) throws {
    let light = try TestBackend()
    defer { light.stop() }
    let heavy = try TestBackend()
    defer { heavy.stop() }
    let backends = [light, heavy]
    let relay = try relay(
      balance: balance,
      servers: [
        "{ address: \"127.0.0.1:\(light.port)\", weight: 1 }", "{ address: \"127.0.0.1:\(heavy.port)\", weight: 3 }",
      ]
    )
    defer { relay.stop() }
    var held: [Held] = []
    for _ in 0..<8 { held.append(try openHeld(port: relay.port(), backends: backends)) }
    XCTAssertEqual(acceptedCounts(backends), [2, 6], "\(balance) with 8 open connections")
    var closed = 0
    for connection in held where connection.server == 0 {
      finish(connection, relay: relay, closedBefore: closed)
      closed += 1
    }
    held.removeAll { $0.server == 0 }
    for _ in 0..<2 { held.append(try openHeld(port: relay.port(), backends: backends)) }
    XCTAssertEqual(acceptedCounts(backends), [4, 6], "\(balance) after the light server's connections ended")
    for connection in held {
      finish(connection, relay: relay, closedBefore: closed)
      closed += 1
    }
    XCTAssertEqual(closeReasons(relay).filter { $0 == "completed" }.count, 10)
  }

  func testLeastConnectionsPicksTheFewestOpenConnectionsPerWeight() throws {
    try assertFewestConnectionsPerWeight(balance: "least_connections")
  }

  /// With two servers, random_two always draws both (two distinct candidates), so the less
  /// loaded per unit of weight always wins: the same promise as least_connections.
  func testRandomTwoWithTwoServersPicksTheLessLoadedPerWeight() throws {
    try assertFewestConnectionsPerWeight(balance: "random_two")
  }

  /// first: everything to the first server until it holds its max_connections, then the
  /// next; weights do not matter. A freed slot on the first server is used first again.
  func testFirstFillsServersInFileOrderUpToTheirLimit() throws {
    let first = try TestBackend()
    defer { first.stop() }
    let second = try TestBackend()
    defer { second.stop() }
    let third = try TestBackend()
    defer { third.stop() }
    let backends = [first, second, third]
    let relay = try relay(
      balance: "first",
      servers: [
        "{ address: \"127.0.0.1:\(first.port)\", max_connections: 2, weight: 1 }",
        "{ address: \"127.0.0.1:\(second.port)\", max_connections: 3, weight: 100 }",
        "{ address: \"127.0.0.1:\(third.port)\" }",
      ])
    defer { relay.stop() }
    var held: [Held] = []
    for _ in 0..<2 { held.append(try openHeld(port: relay.port(), backends: backends)) }
    XCTAssertEqual(acceptedCounts(backends), [2, 0, 0])
    for _ in 0..<3 { held.append(try openHeld(port: relay.port(), backends: backends)) }
    XCTAssertEqual(acceptedCounts(backends), [2, 3, 0])
    for _ in 0..<4 { held.append(try openHeld(port: relay.port(), backends: backends)) }
    XCTAssertEqual(acceptedCounts(backends), [2, 3, 4])
    finish(held.removeFirst(), relay: relay, closedBefore: 0)
    held.append(try openHeld(port: relay.port(), backends: backends))
    XCTAssertEqual(acceptedCounts(backends), [3, 3, 4], "a slot freed on the first server is filled first")
    for (index, connection) in held.enumerated() { finish(connection, relay: relay, closedBefore: index + 1) }
  }
}
