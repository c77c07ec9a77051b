import Glibc
import XCTest

@testable import SplicerCore

/// The idle and connect timeouts of sessions on an in-process worker whose clock the test
/// moves: each fires in the turn that finds the clock at its deadline, not a nanosecond before.
final class WorkerTimeoutTests: DrivenWorkerTestCase {
  func testIdleTimeoutFiresWhenTheClockReachesItAndNotBefore() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 2s, idle: 10s"))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    assertCloses(driven, for: .idleTimeout, exactlyAfter: .seconds(10), client: client)
    // Cut by the relay: both peers see a reset, not an end of stream.
    XCTAssertEqual(LoopbackPeers.read(client), .failed(ECONNRESET))
    XCTAssertEqual(LoopbackPeers.read(upstream), .failed(ECONNRESET))
  }

  func testBytesEitherWayMoveTheIdleDeadline() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 2s, idle: 10s"))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    driven.clock.advance(by: .seconds(6))
    LoopbackPeers.send(upstream, "still here")
    driven.receive("still here", on: client)
    // The first deadline (10 s after the first bytes) passes: the timer finds the session
    // active 4 s ago and waits for the rest of the timeout.
    driven.clock.advance(by: .seconds(4))
    driven.turn()
    driven.clock.advance(by: .seconds(6) - .nanoseconds(1))
    driven.turn()
    XCTAssertEqual(driven.stats.closes(listener: 0, .idleTimeout), 0)
    driven.clock.advance(nanoseconds: 1)
    driven.turn()
    XCTAssertEqual(driven.stats.closes(listener: 0, .idleTimeout), 1)
    XCTAssertEqual(LoopbackPeers.read(client), .failed(ECONNRESET))
  }

  func testConnectTimeoutMovesOnToTheNextServer() throws {
    let silent = try silentServer()
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [silent.entry, server.entry], pool: ", retries: 1", timeouts: "connect: 2s, idle: 60s"))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "hello")
    driven.turn(until: { driven.stats.value(server: 0, .connectAttempts) == 1 }, "a connect to the silent server")
    driven.clock.advance(by: .seconds(2) - .nanoseconds(1))
    driven.turn()
    XCTAssertEqual(driven.stats.connectFailures(server: 0, .timeout), 0)
    XCTAssertNil(LoopbackPeers.accept(server.fd))
    driven.clock.advance(nanoseconds: 1)
    driven.turn()
    XCTAssertEqual(driven.stats.connectFailures(server: 0, .timeout), 1)
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("hello", on: upstream)
    LoopbackPeers.send(upstream, "welcome")
    driven.receive("welcome", on: client)
  }

  func testConnectTimeoutOfTheLastAttemptClosesTheClient() throws {
    let silent = try silentServer()
    let driven = try worker(
      DrivenWorker.config(servers: [silent.entry], pool: ", retries: 0", timeouts: "connect: 2s, idle: 60s"))
    let client = try client(of: driven)
    driven.turn(until: { driven.stats.value(server: 0, .connectAttempts) == 1 }, "a connect to the silent server")
    driven.clock.advance(by: .seconds(2))
    driven.turn()
    XCTAssertEqual(driven.stats.closes(listener: 0, .connectFailed), 1)
    XCTAssertEqual(LoopbackPeers.read(client), .endOfStream)
  }
}
