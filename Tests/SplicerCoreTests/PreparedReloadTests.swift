import Logging
import SplicerConfig
import SplicerSystem
import XCTest

@testable import SplicerCore

/// A reload in two halves: built (sockets bound, nothing changed), then committed or
/// abandoned. `reload(to:)` runs both in a row; the reload tests cover that.
final class PreparedReloadTests: XCTestCase {
  private static func generation(_ number: UInt64, listeners: [String]) throws -> ConfigGeneration {
    let source = ConfigSource(
      yaml: """
        workers: 2
        listeners:
        \(listeners.map { "  - { name: \($0), bind: \"127.0.0.1:0\", pool: app }" }.joined(separator: "\n"))
        pools: { app: { servers: [{ address: "127.0.0.1:9000" }] } }
        log: { access_log: false }
        """)
    return ConfigGeneration(number: number, source: source, configuration: try ConfigLoader.load(source: source))
  }

  func testAbandonedReloadLeavesTheProxyAsItWasAndFreesItsPort() throws {
    let proxy = try ProxyServer(generation: try Self.generation(1, listeners: ["web"]), logger: Logger(label: "test"))
    defer { proxy.stop() }
    let prepared = try proxy.prepareReload(to: try Self.generation(2, listeners: ["web", "more"]))
    let added = try XCTUnwrap(prepared.bound.first { $0.name == "more" }).address
    XCTAssertEqual(prepared.summary.added, ["more"])
    // Bound, so the address is taken, but nothing runs on it yet.
    XCTAssertThrowsError(try Socket.checkAvailable(added))
    XCTAssertEqual(proxy.state.generation.number, 1)
    XCTAssertEqual(proxy.state.boundListeners.map(\.name), ["web"])

    proxy.abandonReload(prepared)
    XCTAssertNoThrow(try Socket.checkAvailable(added))
    XCTAssertEqual(proxy.state.generation.number, 1)
    XCTAssertEqual(proxy.liveGenerations.map(\.number), [1])
  }

  func testCommittedReloadIsInForce() throws {
    let proxy = try ProxyServer(generation: try Self.generation(1, listeners: ["web"]), logger: Logger(label: "test"))
    defer { proxy.stop() }
    let prepared = try proxy.prepareReload(to: try Self.generation(2, listeners: ["web", "more"]))
    let bound = prepared.bound.map(\.address)
    proxy.commitReload(prepared)
    XCTAssertEqual(proxy.state.generation.number, 2)
    XCTAssertEqual(proxy.state.boundListeners.map(\.name), ["web", "more"])
    XCTAssertEqual(proxy.state.boundListeners.map(\.address), bound)
    XCTAssertEqual(proxy.state.layout.listeners, ["web", "more"])
  }
}
