import Glibc
import Logging
import SplicerConfig
import SplicerHealth
import SplicerSystem
import XCTest

@testable import SplicerCore

/// A proxy built from another one's running config and listening sockets, in one process: the
/// same counter rows and server ids, the counters and health carried, and a client of the
/// old proxy's port served by the new one.
final class ProxyServerAdoptionTests: XCTestCase {
  private static func generation(backend: UInt16) throws -> ConfigGeneration {
    let source = ConfigSource(
      yaml: """
        workers: 2
        listeners:
          - { name: web, bind: "127.0.0.1:0", pool: app }
          - { name: spare, bind: "127.0.0.1:0", pool: dead }
        pools:
          app: { servers: [{ address: "127.0.0.1:\(backend)" }] }
          dead:
            servers: [{ address: "127.0.0.1:1" }, { address: "127.0.0.1:2", weight: 3 }]
            # Checked, or the checker would set its servers up; too rarely to change a status here.
            health_check: { type: tcp, interval: 60s, fall: 10 }
        log: { access_log: false }
        """)
    return ConfigGeneration(number: 1, source: source, configuration: try ConfigLoader.load(source: source))
  }

  /// Waits for `fd` to be readable (or at end of stream), at most ten seconds.
  private static func waitReadable(_ fd: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 10_000) == 1
  }

  func testAdoptedProxyServesTheOldPortsWithTheOldRowsCountersAndHealth() throws {
    let backend = try LoopbackPeers.listen()
    defer { Socket.close(backend.fd) }
    let old = try ProxyServer(generation: try Self.generation(backend: backend.port), logger: Logger(label: "old"))
    try old.start()
    let layout = old.state.layout
    let webRow = try XCTUnwrap(layout.listeners.firstIndex(of: "web"))
    let deadRow = try XCTUnwrap(layout.servers.firstIndex { $0.pool == "dead" && $0.server == "127.0.0.1:2" })
    old.stats[1].add(listener: webRow, .accepted, 5)
    old.stats[0].add(listener: webRow, .accepted, 2)
    old.stats[1].add(.bytesSpliced, 1000)
    old.health.setUp(deadRow, false)
    old.health.count(deadRow, .wentDown)

    // What the old process sends: the running config, every worker's listening socket (here
    // duplicates, so that the old proxy stopping does not close the sockets), then the sums.
    let record = old.runningConfigRecord(descriptorTotal: 4)
    var descriptors: [Int32] = []
    let listeners = old.state.boundListeners.enumerated().map { index, bound in
      let sockets = old.workers.map { worker in
        descriptors.append(try! Socket.duplicate(worker.listeners[index].fd))
        return UInt16(descriptors.count - 1)
      }
      return ListenerRecord(
        name: bound.name, generation: 1, bind: "127.0.0.1:0", backlog: 511, boundAddress: bound.address,
        sockets: sockets)
    }
    old.stop()
    let counters = CounterSnapshot.chunks(of: WorkerStats.summed(old.stats, layout: layout), valuesPerChunk: 16)
    let health = HealthSnapshot(rows: old.health.seedRows(layout.servers.count))

    let rebuilt = try RebuiltRunningConfig(record)
    let new = try ProxyServer(
      adopting: rebuilt, listeners: listeners, descriptors: descriptors, logger: Logger(label: "new"))
    new.seed(counters: counters, health: health)
    XCTAssertFalse(new.health.isUp(deadRow))
    XCTAssertEqual(new.health.value(deadRow, .wentDown), 1)
    XCTAssertEqual(new.workers.count, 2)
    XCTAssertEqual(new.pendingListeners.count, 4, "nothing registered before the start")
    try new.start()
    defer { new.stop() }

    XCTAssertEqual(new.state.layout.listeners, layout.listeners)
    XCTAssertEqual(new.state.layout.servers.map(\.pool), layout.servers.map(\.pool))
    XCTAssertEqual(new.state.layout.servers.map(\.server), layout.servers.map(\.server))
    XCTAssertEqual(new.state.layout.serverCapacity, layout.serverCapacity)
    XCTAssertEqual(
      new.state.routing.servers.map { "\($0.pool) \($0.backend.address) \($0.backend.id)" },
      old.state.routing.servers.map { "\($0.pool) \($0.backend.address) \($0.backend.id)" })
    XCTAssertEqual(new.state.boundListeners.map(\.address), old.state.boundListeners.map(\.address))
    XCTAssertEqual(new.stats[0].value(listener: webRow, .accepted), 7)
    XCTAssertEqual(new.stats[1].value(listener: webRow, .accepted), 0, "seeded into worker 0 only")
    XCTAssertEqual(new.total(.bytesSpliced), 1000)
    XCTAssertFalse(new.health.isUp(deadRow), "the checker begins from the carried status")

    // A client of the old proxy's port, served by the new one, to the backend and back.
    let web = try XCTUnwrap(old.state.boundListeners.first { $0.name == "web" }).address
    let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    defer { close(client) }
    XCTAssertEqual(web.withSockAddr { connect(client, $0, $1) }, 0, "connect: errno \(errno)")
    LoopbackPeers.send(client, "ping")
    XCTAssertTrue(Self.waitReadable(backend.fd), "the new proxy connected to the backend")
    let server = try XCTUnwrap(LoopbackPeers.accept(backend.fd))
    defer { close(server) }
    XCTAssertTrue(Self.waitReadable(server))
    XCTAssertEqual(LoopbackPeers.read(server), .bytes(Array("ping".utf8)))
    LoopbackPeers.send(server, "pong")
    XCTAssertTrue(Self.waitReadable(client))
    XCTAssertEqual(LoopbackPeers.read(client), .bytes(Array("pong".utf8)))
  }

  func testRecordOfAnotherProcessRebuildsTheSameGenerations() throws {
    let old = try ProxyServer(generation: try Self.generation(backend: 9), logger: Logger(label: "old"))
    defer { old.stop() }
    let record = old.runningConfigRecord(descriptorTotal: 0)
    XCTAssertEqual(record.generations.map(\.number), [1])
    XCTAssertEqual(record.workers, 2)
    XCTAssertEqual(record.listenerRows, ["web", "spare"])
    let rebuilt = try RebuiltRunningConfig(record)
    XCTAssertEqual(rebuilt.running.configuration, old.state.configuration)
    XCTAssertEqual(rebuilt.layout.listeners, old.state.layout.listeners)

    var wrongWorkers = record
    wrongWorkers.workers = 0
    XCTAssertThrowsError(try RebuiltRunningConfig(wrongWorkers))
    var repeated = record
    repeated.listenerRows = ["web", "web"]
    XCTAssertThrowsError(try RebuiltRunningConfig(repeated))
    var unreadable = record
    unreadable.generations[0].yaml = Array("workers: [".utf8)
    XCTAssertThrowsError(try RebuiltRunningConfig(unreadable)) { XCTAssertTrue($0 is ConfigError) }
  }

  func testListenerWithoutItsSocketsIsRefused() throws {
    let old = try ProxyServer(generation: try Self.generation(backend: 9), logger: Logger(label: "old"))
    defer { old.stop() }
    let rebuilt = try RebuiltRunningConfig(old.runningConfigRecord(descriptorTotal: 0))
    let address = SocketAddress(ip: "127.0.0.1", port: 1)!
    let cases: [(String, [ListenerRecord])] = [
      ("no records", []),
      (
        "one socket for two workers",
        ["web", "spare"].map {
          ListenerRecord(name: $0, generation: 1, bind: "", backlog: 1, boundAddress: address, sockets: [0])
        }
      ),
    ]
    let stray = ["web", "spare", "gone"].map {
      ListenerRecord(name: $0, generation: 1, bind: "", backlog: 1, boundAddress: address, sockets: [0, 0])
    }
    let all = cases + [("a record no listener takes", stray)]
    for (name, records) in all {
      XCTAssertThrowsError(
        try ProxyServer(adopting: rebuilt, listeners: records, descriptors: [-1], logger: Logger(label: "new")), name)
    }
  }
}
