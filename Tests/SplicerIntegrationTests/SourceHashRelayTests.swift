import Foundation
import Glibc
import XCTest

/// balance: source_hash end to end: a client address always reaches the same server, and when
/// that server drains only its own clients move (weighted rendezvous hashing); everyone else
/// keeps their server.
final class SourceHashRelayTests: BalancingTestCase {
  private func yaml(_ backends: [TestBackend], draining: UInt16? = nil) -> String {
    let servers = backends.map { backend in
      "      - { address: \"127.0.0.1:\(backend.port)\"\(backend.port == draining ? ", drain: true" : "") }"
    }
    return """
      workers: 2
      listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
      pools:
        app:
          balance: source_hash
          servers:
      \(servers.joined(separator: "\n"))
      log: { level: info, format: json, access_log: true }
      """
  }

  /// Client address -> the servers its connections reached, from the access log.
  private func serversByClient(_ lines: [String]) -> [String: Set<String>] {
    func field(_ name: String, _ line: String) -> String? {
      guard let range = line.range(of: "\"\(name)\":\"") else { return nil }
      return String(line[range.upperBound...].prefix { $0 != "\"" })
    }
    var result: [String: Set<String>] = [:]
    for line in lines {
      guard let client = field("client", line), let server = field("server", line) else { continue }
      let address = String(client[..<(client.lastIndex(of: ":") ?? client.endIndex)])
      result[address, default: []].insert(server)
    }
    return result
  }

  func testOneClientAddressAlwaysReachesOneServerAndOnlyADrainedServersClientsMove() throws {
    let backends = try (0..<3).map { _ in try TestBackend() }
    defer { backends.forEach { $0.stop() } }
    let relay = try SplicerProcess(yaml: yaml(backends))
    defer { relay.stop() }
    // Twelve client addresses, four connections each, from fresh source ports and (with two
    // workers) either worker: the hash is of the address alone, so each address has one server.
    let sources = (2...13).map { "127.0.0.\($0)" }
    for _ in 0..<4 {
      for source in sources { try shortConnection(port: relay.port(), from: source) }
    }
    let before = serversByClient(relay.waitForClosedConnections(sources.count * 4))
    XCTAssertEqual(Set(before.keys), Set(sources))
    for (client, servers) in before {
      XCTAssertEqual(servers.count, 1, "\(client) reached several servers: \(servers)")
    }
    // Twelve addresses over three servers: all on one would happen with probability 3^-11,
    // so a single server means the address is not what is hashed.
    let home = before.mapValues { $0.first! }
    let used = Set(home.values)
    XCTAssertGreaterThan(used.count, 1, "every client address hashed to one server: \(home)")

    // Drain the server with the most clients: its clients move, no one else does.
    let counts = Dictionary(grouping: home.values, by: { $0 }).mapValues(\.count)
    let drained = counts.max { $0.value < $1.value }!.key
    let drainedPort = UInt16(drained.split(separator: ":").last!)!
    XCTAssertTrue(try relay.reload(with: yaml(backends, draining: drainedPort)))
    for source in sources { try shortConnection(port: relay.port(), from: source) }
    let all = relay.waitForClosedConnections(sources.count * 5)
    let after = serversByClient(Array(all.suffix(sources.count)))
    for source in sources {
      let server = after[source]?.first
      if home[source] == drained {
        XCTAssertNotEqual(server, drained, "\(source) still reached the draining server")
        XCTAssertNotNil(server)
      } else {
        XCTAssertEqual(server, home[source], "\(source) moved although its server stayed")
      }
    }
  }
}
