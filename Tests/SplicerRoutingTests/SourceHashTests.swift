import SplicerConfig
import SplicerRouting
import SplicerSystem
import XCTest

/// source_hash: a client keeps its server, and pool changes move only the clients they must.
final class SourceHashTests: XCTestCase {
  let keys = (0..<10_000).map(BalancerFixtures.clientKey)
  let allAvailable: (Int) -> ServerEligibility = { _ in .available(activeConnections: 0) }

  /// The server (by configured address) of every key.
  func assignments(
    _ servers: [BalancedServer], eligibility: (Int) -> ServerEligibility = { _ in .available(activeConnections: 0) }
  ) -> [UInt64] {
    var balancer = PoolBalancer(algorithm: .sourceHash, servers: servers, seed: 0)
    return keys.map { key in
      guard case .server(let index) = balancer.pick(clientKey: key, avoiding: nil, eligibility: eligibility) else {
        preconditionFailure("refused a pick")
      }
      return servers[index].hashIdentity
    }
  }

  func testSameClientSameServer() {
    let servers = BalancerFixtures.servers([1, 1, 1, 1, 1])
    // Different seeds stand for different workers; the state a balancer carries must not matter.
    XCTAssertEqual(assignments(servers), assignments(servers))
    var first = PoolBalancer(algorithm: .sourceHash, servers: servers, seed: 1)
    var second = PoolBalancer(algorithm: .sourceHash, servers: servers, seed: 2)
    for key in keys.prefix(1_000) {
      let pick = first.pick(clientKey: key, avoiding: nil, eligibility: allAvailable)
      XCTAssertEqual(pick, first.pick(clientKey: key, avoiding: nil, eligibility: allAvailable))
      XCTAssertEqual(pick, second.pick(clientKey: key, avoiding: nil, eligibility: allAvailable))
    }
  }

  /// The client key depends on the address bytes only, and the hash is fixed across releases:
  /// these values are what every worker and every restart computes.
  func testKeysAreStable() {
    XCTAssertEqual(BalancedServer.stableHash(""), BalancedServer.stableHash(bytes: []))
    XCTAssertEqual(PoolBalancer.clientKey([10, 0, 0, 1]), PoolBalancer.clientKey([10, 0, 0, 1] as ArraySlice<UInt8>))
    XCTAssertNotEqual(PoolBalancer.clientKey([10, 0, 0, 1]), PoolBalancer.clientKey([10, 0, 0, 2]))
    XCTAssertEqual(BalancedServer.stableHash("10.0.0.1:8080"), 0xe6be_330c_3d44_a2e2)
    XCTAssertEqual(PoolBalancer.clientKey([192, 0, 2, 1]), 0x1e00_e9a1_2f82_49cb)
  }

  /// The port never enters the key, and an IPv4-mapped IPv6 peer is keyed as its IPv4 address.
  func testClientKeyOfSocketAddresses() throws {
    let v4 = try XCTUnwrap(SocketAddress(ip: "192.0.2.1", port: 40_000))
    let v4OtherPort = try XCTUnwrap(SocketAddress(ip: "192.0.2.1", port: 40_001))
    let mapped = try XCTUnwrap(SocketAddress(ip: "::ffff:192.0.2.1", port: 40_002))
    let v6 = try XCTUnwrap(SocketAddress(ip: "2001:db8::1", port: 40_000))
    XCTAssertEqual(PoolBalancer.clientKey(v4), PoolBalancer.clientKey([192, 0, 2, 1]))
    XCTAssertEqual(PoolBalancer.clientKey(v4), PoolBalancer.clientKey(v4OtherPort))
    XCTAssertEqual(PoolBalancer.clientKey(v4), PoolBalancer.clientKey(mapped))
    XCTAssertEqual(
      PoolBalancer.clientKey(v6),
      PoolBalancer.clientKey([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]))
  }

  /// Removing one of N servers (from the config, or marking it down) moves exactly the keys it
  /// held, and those are about 1/N of all: at most 1.5/N.
  func testRemovingAServerMovesOnlyItsKeys() {
    for count in [5, 10, 20] {
      let servers = BalancerFixtures.servers(Array(repeating: 1, count: count))
      let before = assignments(servers)
      let removed = count / 2
      let gone = servers[removed].hashIdentity
      let heldByRemoved = before.filter { $0 == gone }.count
      var remaining = servers
      remaining.remove(at: removed)
      let afterRemoval = assignments(remaining)
      let afterDown = assignments(servers) { $0 == removed ? .unavailable : .available(activeConnections: 0) }
      for (label, after) in [("removed", afterRemoval), ("down", afterDown)] {
        let moved = zip(before, after).filter { $0 != $1 }
        XCTAssertTrue(moved.allSatisfy { $0.0 == gone }, "N \(count) \(label): a key moved off a server that stayed")
        XCTAssertEqual(moved.count, heldByRemoved, "N \(count) \(label)")
        XCTAssertLessThanOrEqual(Double(moved.count) / Double(keys.count), 1.5 / Double(count), "N \(count) \(label)")
        XCTAssertGreaterThanOrEqual(
          Double(moved.count) / Double(keys.count), 0.5 / Double(count), "N \(count) \(label)")
      }
    }
  }

  /// Adding a server to N moves about 1/(N+1) of the keys, all of them onto the new server.
  func testAddingAServerMovesAboutItsShare() {
    for count in [5, 10, 20] {
      let before = assignments(BalancerFixtures.servers(Array(repeating: 1, count: count)))
      let grown = BalancerFixtures.servers(Array(repeating: 1, count: count + 1))
      let added = grown[count].hashIdentity
      let after = assignments(grown)
      let moved = zip(before, after).filter { $0 != $1 }
      XCTAssertTrue(moved.allSatisfy { $0.1 == added }, "N \(count): a key moved between old servers")
      let fraction = Double(moved.count) / Double(keys.count)
      XCTAssertLessThanOrEqual(fraction, 1.5 / Double(count + 1), "N \(count)")
      XCTAssertGreaterThanOrEqual(fraction, 0.5 / Double(count + 1), "N \(count)")
    }
  }

  /// A full server sends its clients to their second choice, and they come back once it has
  /// room; nobody else moves.
  func testFullServerSpillsOnlyItsOwnKeys() {
    let servers = BalancerFixtures.servers([1, 1, 1, 1])
    let before = assignments(servers)
    let during = assignments(servers) { $0 == 0 ? .full : .available(activeConnections: 0) }
    let moved = zip(before, during).filter { $0 != $1 }
    XCTAssertTrue(moved.allSatisfy { $0.0 == servers[0].hashIdentity })
    XCTAssertEqual(moved.count, before.filter { $0 == servers[0].hashIdentity }.count)
    XCTAssertEqual(assignments(servers), before)
  }

  /// Changing one server's weight moves keys only to (or only from) that server.
  func testRaisingAWeightMovesKeysOnlyToThatServer() {
    let before = assignments(BalancerFixtures.servers([1, 1, 1, 1]))
    let heavier = BalancerFixtures.servers([1, 1, 3, 1])
    let after = assignments(heavier)
    let moved = zip(before, after).filter { $0 != $1 }
    XCTAssertTrue(moved.allSatisfy { $0.1 == heavier[2].hashIdentity })
    // From 1/4 to 3/6 of the keys: about a quarter of them move.
    XCTAssertEqual(Double(moved.count) / Double(keys.count), 0.25, accuracy: 0.03)
  }
}
