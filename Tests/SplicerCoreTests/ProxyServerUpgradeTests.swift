import Glibc
import Logging
import SplicerConfig
import SplicerSystem
import XCTest

@testable import SplicerCore

/// The workers' part of a live upgrade on a running proxy (`ProxyServer+Upgrade`), each worker
/// on its own thread: a freeze collects every worker's handover, a resume carries on, and a
/// relinquish closes the old copies without the peers seeing anything.
final class ProxyServerUpgradeTests: XCTestCase {
  private func proxy(backendPort: UInt16) throws -> ProxyServer {
    let source = ConfigSource(
      yaml: """
        workers: 2
        listeners: [{ name: web, bind: "127.0.0.1:0", pool: app }]
        pools: { app: { servers: [{ address: "127.0.0.1:\(backendPort)" }] } }
        log: { access_log: false }
        """)
    let generation = ConfigGeneration(number: 1, source: source, configuration: try ConfigLoader.load(source: source))
    return try ProxyServer(generation: generation, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
  }

  /// Connects a client through the proxy and waits (blocking reads with a timeout) until the
  /// backend has its first bytes; returns both ends, blocking.
  private func relayed(through proxy: ProxyServer, backend: Int32) throws -> (client: Int32, upstream: Int32) {
    let address = try XCTUnwrap(proxy.state.boundListeners.first?.address)
    let client = try LoopbackPeers.connect(port: address.port)
    LoopbackPeers.send(client, "hello")
    var pollfd = Glibc.pollfd(fd: backend, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&pollfd, 1, 5_000), 1, "the backend got no connection")
    let upstream = try XCTUnwrap(LoopbackPeers.accept(backend))
    var upstreamPoll = Glibc.pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&upstreamPoll, 1, 5_000), 1, "the backend got no bytes")
    XCTAssertEqual(LoopbackPeers.read(upstream), .bytes(Array("hello".utf8)))
    return (client, upstream)
  }

  func testAFreezeCollectsEveryWorkersHandoverAndARelinquishShowsThePeersNothing() throws {
    let (backend, port) = try LoopbackPeers.listen()
    defer { close(backend) }
    let proxy = try proxy(backendPort: port)
    try proxy.start()
    defer { proxy.stop() }
    let (client, upstream) = try relayed(through: proxy, backend: backend)
    defer {
      close(client)
      close(upstream)
    }

    let handovers = try proxy.freezeWorkers(timeout: .seconds(5))
    XCTAssertEqual(handovers.map(\.worker), [0, 1])
    XCTAssertEqual(handovers.map(\.sessions.count).reduce(0, +), 1)
    let record = try XCTUnwrap(handovers.flatMap(\.sessions).first?.record)
    guard case .relaying(let relay) = record.phase else { return XCTFail("not relaying: \(record.phase)") }
    XCTAssertEqual(relay.toServer.bytesRelayed, 5)
    XCTAssertEqual(record.listenerName, "web")
    XCTAssertEqual(record.generation, 1)

    // The test holds what a new process would: its own copies of every descriptor handed over.
    let copies = try handovers.flatMap(\.sessions).flatMap(\.descriptors).map { try Socket.duplicate($0) }
    defer { for fd in copies { close(fd) } }
    XCTAssertTrue(proxy.relinquishWorkers(timeout: .seconds(5)))
    // The old copies closed plainly: the peers see no FIN and no reset.
    XCTAssertEqual(LoopbackPeers.read(client), .wouldBlock)
    XCTAssertEqual(LoopbackPeers.read(upstream), .wouldBlock)
    proxy.stop()
    XCTAssertEqual(LoopbackPeers.read(client), .wouldBlock, "stopping closed a relinquished session")
  }

  func testAResumeCarriesOnAfterAFreeze() throws {
    let (backend, port) = try LoopbackPeers.listen()
    defer { close(backend) }
    let proxy = try proxy(backendPort: port)
    try proxy.start()
    defer { proxy.stop() }
    let (client, upstream) = try relayed(through: proxy, backend: backend)
    defer {
      close(client)
      close(upstream)
    }
    _ = try proxy.freezeWorkers(timeout: .seconds(5))
    proxy.resumeWorkers()
    LoopbackPeers.send(client, "after")
    var pollfd = Glibc.pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&pollfd, 1, 5_000), 1, "nothing relayed after the resume")
    XCTAssertEqual(LoopbackPeers.read(upstream), .bytes(Array("after".utf8)))
  }
}
