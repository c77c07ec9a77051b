import Logging
import SplicerConfig
import SplicerSystem
import XCTest

@testable import SplicerCore

/// A generation is listed while a listener context (or a session's) holds it, and not after.
final class LiveGenerationsTests: XCTestCase {
  private static func generation(_ number: UInt64, bind: String = "127.0.0.1:0") throws -> ConfigGeneration {
    let source = ConfigSource(
      yaml: """
        workers: 1
        listeners: [{ name: web, bind: "\(bind)", pool: app }]
        pools: { app: { servers: [{ address: "127.0.0.1:\(9000 + number)" }] } }
        log: { access_log: false }
        """)
    return ConfigGeneration(number: number, source: source, configuration: try ConfigLoader.load(source: source))
  }

  func testListedWhileReferencedOnly() throws {
    let list = LiveGenerations()
    var first: ConfigGeneration? = try Self.generation(1)
    var held: [ConfigGeneration]? = [first!]
    list.add(first!)
    list.add(try Self.generation(2))  // referenced by nothing: gone at once
    let third = try Self.generation(3)
    list.add(third)
    first = nil
    XCTAssertEqual(list.live.map(\.number), [1, 3])
    held = nil
    XCTAssertNil(held)
    XCTAssertEqual(list.live.map(\.number), [3])
  }

  func testAnOldGenerationLivesUntilTheWorkersLetGoOfIt() throws {
    let proxy = try ProxyServer(generation: try Self.generation(1), logger: Logger(label: "test"))
    defer { proxy.stop() }
    XCTAssertEqual(proxy.liveGenerations.map(\.number), [1])
    XCTAssertEqual(proxy.state.generation.number, 1)

    _ = try proxy.reload(to: try Self.generation(2))
    // The worker has not yet taken the update: its listener still holds the first context.
    XCTAssertEqual(proxy.liveGenerations.map(\.number), [1, 2])
    XCTAssertEqual(proxy.state.generation.number, 2)

    // The worker's thread is not running: its turns are taken here until it has applied the
    // update (the first turn reads its inbox).
    let worker = proxy.workers[0]
    for _ in 0..<100 where proxy.liveGenerations.count > 1 {
      try worker.loop.runOnce(timeout: .milliseconds(10))
    }
    XCTAssertEqual(proxy.liveGenerations.map(\.number), [2])
  }

  func testAFailedReloadListsNothing() throws {
    let proxy = try ProxyServer(generation: try Self.generation(1), logger: Logger(label: "test"))
    defer { proxy.stop() }
    // A listener on a port another socket listens on: the bind fails, the reload with it.
    let (holder, port) = try LoopbackPeers.listen()
    defer { Socket.close(holder) }
    let taken = "127.0.0.1:\(port)"
    let source = ConfigSource(
      yaml: """
        workers: 1
        listeners:
          - { name: web, bind: "127.0.0.1:0", pool: app }
          - { name: other, bind: "\(taken)", pool: app }
        pools: { app: { servers: [{ address: "127.0.0.1:9000" }] } }
        """)
    let refused = ConfigGeneration(number: 2, source: source, configuration: try ConfigLoader.load(source: source))
    XCTAssertThrowsError(try proxy.reload(to: refused))
    XCTAssertEqual(proxy.liveGenerations.map(\.number), [1])
    XCTAssertEqual(proxy.state.generation.number, 1)
  }
}
