import Glibc
import XCTest

@testable import SplicerCore

/// A listener's `max_lifetime` on an in-process worker whose clock the test moves: a session
/// still open at that age since its accept is cut with a reset both ways, in the turn that
/// finds the clock there and not a nanosecond before, however busy it is; the idle timeout
/// keeps working beside it.
final class WorkerLifetimeTests: DrivenWorkerTestCase {
  func testBusyConnectionIsCutAtItsMaximumLifetime() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(servers: [server.entry], listener: ", max_lifetime: 30s", timeouts: "connect: 2s, idle: 10s")
    )
    let (client, upstream) = try relayedClient(of: driven, to: server)
    // Bytes every 8 s keep the idle timeout (10 s) away for the whole 30 s.
    for second in [8, 16, 24] {
      driven.clock.advance(by: .seconds(8))
      driven.turn()
      LoopbackPeers.send(upstream, "at \(second)s")
      driven.receive("at \(second)s", on: client)
    }
    assertCloses(driven, for: .maxLifetime, exactlyAfter: .seconds(6), client: client)
    XCTAssertEqual(driven.stats.closes(listener: 0, .idleTimeout), 0)
    // Cut by the relay: both peers see a reset, not an end of stream.
    XCTAssertEqual(LoopbackPeers.read(client), .failed(ECONNRESET))
    XCTAssertEqual(LoopbackPeers.read(upstream), .failed(ECONNRESET))
  }

  func testQuietConnectionShorterLivedThanTheIdleTimeoutEndsAtItsLifetime() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(servers: [server.entry], listener: ", max_lifetime: 5s", timeouts: "connect: 2s, idle: 10s"))
    let (client, _) = try relayedClient(of: driven, to: server)
    assertCloses(driven, for: .maxLifetime, exactlyAfter: .seconds(5), client: client)
    XCTAssertEqual(LoopbackPeers.read(client), .failed(ECONNRESET))
  }

  func testIdleTimeoutStillEndsAQuietConnectionFirst() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(servers: [server.entry], listener: ", max_lifetime: 1h", timeouts: "connect: 2s, idle: 10s"))
    let (client, _) = try relayedClient(of: driven, to: server)
    assertCloses(driven, for: .idleTimeout, exactlyAfter: .seconds(10), client: client)
    XCTAssertEqual(driven.stats.closes(listener: 0, .maxLifetime), 0)
  }

  /// The lifetime counts from the accept, not from the connect: time spent before relaying
  /// (here a first server that never answers, until the connect timeout) is part of it.
  func testLifetimeCountsFromTheAccept() throws {
    let silent = try silentServer()
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [silent.entry, server.entry], pool: ", retries: 1", listener: ", max_lifetime: 5s",
        timeouts: "connect: 2s, idle: 10s"))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "hello")
    driven.turn(until: { driven.stats.value(server: 0, .connectAttempts) == 1 }, "a connect to the silent server")
    driven.clock.advance(by: .seconds(2))
    driven.turn()
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("hello", on: upstream)
    assertCloses(driven, for: .maxLifetime, exactlyAfter: .seconds(3), client: client)
  }
}
