import SplicerConfig
import SplicerRouting
import XCTest

@testable import SplicerCore

/// A config generation rebuilt from its bytes and discovered sets, in a process that only has
/// the old layout's names, gives the listener contexts, counter rows and server ids the
/// running process has.
final class ConfigGenerationTests: XCTestCase {
  private static let first = """
    workers: 2
    listeners:
      - { name: web, bind: "127.0.0.1:0", pool: app, max_connections: 100 }
      - { name: api, bind: "127.0.0.1:0", mode: copy, pool: found, max_lifetime: 1h }
    pools:
      app: { servers: [{ address: "127.0.0.1:9000" }, { address: "127.0.0.1:9001", weight: 3 }] }
      found: { discover: { srv: _api._tcp.example } }
    """

  /// A reload: a listener added, a server removed and one added, `api` moved to `app`.
  private static let second = """
    workers: 2
    listeners:
      - { name: admin, bind: "127.0.0.1:0", pool: found }
      - { name: web, bind: "127.0.0.1:0", pool: app, max_connections: 200 }
      - { name: api, bind: "127.0.0.1:0", pool: app }
    pools:
      app: { servers: [{ address: "127.0.0.1:9001", weight: 3 }, { address: "127.0.0.1:9002" }] }
      found: { discover: { srv: _api._tcp.example } }
    """

  /// The new process's own file: a listener and a server more.
  private static let third = """
    workers: 2
    listeners:
      - { name: admin, bind: "127.0.0.1:0", pool: found }
      - { name: web, bind: "127.0.0.1:0", pool: app, max_connections: 200 }
      - { name: api, bind: "127.0.0.1:0", pool: app }
      - { name: extra, bind: "127.0.0.1:0", pool: app }
    pools:
      app:
        servers: [{ address: "127.0.0.1:9001", weight: 3 }, { address: "127.0.0.1:9002" }, { address: "127.0.0.1:9003" }]
      found: { discover: { srv: _api._tcp.example } }
    """

  private static func servers(_ ports: [UInt16]) -> [ServerConfig] {
    ports.map { ServerConfig(address: Endpoint(family: .ipv4, host: "10.0.0.7", port: $0), weight: 2) }
  }

  /// As `ServiceDiscovery.prepare` leaves it: the `discover` pools' servers filled in.
  private static func generation(
    _ number: UInt64, _ yaml: String, discovered: [ServerConfig]
  ) throws -> ConfigGeneration {
    let source = ConfigSource(path: "/etc/splicer/splicer.yaml", yaml: yaml)
    var configuration = try ConfigLoader.load(source: source)
    for index in configuration.pools.indices where configuration.pools[index].discover != nil {
      configuration.pools[index].servers = discovered
    }
    return ConfigGeneration(number: number, source: source, configuration: configuration)
  }

  /// What start-up and reload build of a generation, against a running layout.
  private struct Built {
    let contexts: [ListenerContext]
    let serverIDs: [String: [Int]]

    /// What must be the same in both processes, context by context.
    var fingerprint: [String] {
      contexts.map { context in
        let pools = (context.routes.routePools + [context.routes.defaultPool].compactMap { $0 })
          .map(\.name).joined(separator: ",")
        let lifetime = context.maxLifetime.map { "\($0)" } ?? "-"
        return
          "\(context.name) row \(context.counterRow) \(context.mode) pools \(pools) lifetime \(lifetime) "
          + "limit \(context.limit.maximum.map { "\($0)" } ?? "-") generation \(context.generation?.number ?? 0)"
      }
    }
  }

  private static func build(_ generation: ConfigGeneration, layout: inout StatsLayout) throws -> Built {
    let configuration = generation.configuration
    let routing = try ProxyServer.routingTable(for: configuration, layout: &layout, resolved: [:])
    var limits: [String: ListenerLimit] = [:]
    let contexts = try configuration.listeners.map {
      try ProxyServer.context(
        for: $0, routing: routing, fallbacks: [:], limits: &limits, layout: &layout, generation: generation)
    }
    return Built(contexts: contexts, serverIDs: routing.pools.mapValues { $0.servers.map(\.id) })
  }

  func testRebuiltGenerationsGiveTheSameContextsRowsAndServerIDs() throws {
    // The running process: started with the first generation, reloaded to the second.
    let old = [
      try Self.generation(1, Self.first, discovered: Self.servers([80, 81])),
      try Self.generation(2, Self.second, discovered: Self.servers([81, 82, 83])),
    ]
    var layout = StatsLayout.sized(forListeners: 2, servers: 4)
    let running = try old.map { try Self.build($0, layout: &layout) }

    // The new process: only the sources, the discovered sets and the layout's names, and a
    // config of its own that adds a listener and a server.
    let upgraded = try Self.generation(3, Self.third, discovered: Self.servers([83]))
    var restored = try XCTUnwrap(
      StatsLayout(
        restoringListeners: layout.listeners, servers: layout.servers, listenerCapacity: layout.listenerCapacity,
        serverCapacity: layout.serverCapacity, adding: upgraded.configuration))
    let rebuilt = try old.map {
      try ConfigGeneration.rebuilt(number: $0.number, source: $0.source, discovered: $0.discovered)
    }
    let again = try rebuilt.map { try Self.build($0, layout: &restored) }

    for (index, generation) in old.enumerated() {
      XCTAssertEqual(rebuilt[index].configuration, generation.configuration, "generation \(generation.number)")
      XCTAssertEqual(rebuilt[index].source, generation.source)
      XCTAssertEqual(again[index].fingerprint, running[index].fingerprint, "generation \(generation.number)")
      XCTAssertEqual(again[index].serverIDs, running[index].serverIDs, "generation \(generation.number)")
    }
    // The discovered servers took rows of their own, and the rebuilt ones the same rows.
    XCTAssertEqual(running[0].serverIDs["found"], [2, 3])
    XCTAssertEqual(running[1].serverIDs["found"], [3, 5, 6])
    XCTAssertEqual(again[1].serverIDs["found"], [3, 5, 6])
    // The new config's own rows come after every old one.
    XCTAssertEqual(Array(restored.listeners.prefix(layout.listeners.count)), layout.listeners)
    XCTAssertEqual(restored.listeners.last, "extra")
    XCTAssertEqual(restored.servers.count, layout.servers.count + 1)
    XCTAssertEqual(restored.servers.last?.server, "127.0.0.1:9003")
  }

  func testDiscoveredSetsAreThoseOfDiscoverPoolsOnly() throws {
    let generation = try Self.generation(1, Self.first, discovered: Self.servers([80]))
    XCTAssertEqual(generation.discovered, ["found": Self.servers([80])])
    // A pool without a set keeps what the file gave it: no servers.
    let unanswered = try ConfigGeneration.rebuilt(number: 1, source: generation.source, discovered: [:])
    XCTAssertEqual(unanswered.configuration.pool(named: "found")?.servers, [])
  }

  func testBytesThisLoaderRejectsAreItsError() {
    let source = ConfigSource(path: "/etc/splicer/old.yaml", yaml: "workers: 1\nremoved_key: 2\n")
    XCTAssertThrowsError(try ConfigGeneration.rebuilt(number: 1, source: source, discovered: [:])) { error in
      XCTAssertEqual((error as? ConfigError)?.file, "/etc/splicer/old.yaml")
    }
  }
}
