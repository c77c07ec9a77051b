import Glibc
import SplicerSystem
import XCTest

@testable import SplicerCore

/// Timers and the phases before relaying across a freeze: every timer keeps its absolute
/// deadline (one that passed while frozen fires at the first turn after the resume, not
/// before), a connect or a queue wait carries on where it stopped.
final class WorkerFreezeTimerTests: DrivenWorkerTestCase {
  func testADeadlinePassedWhileFrozenFiresAtTheFirstTurnAfterTheResume() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 2s, idle: 10s"))
    let (client, _) = try relayedClient(of: driven, to: server)
    driven.freeze()
    driven.clock.advance(by: .seconds(30))
    driven.quietTurns()
    XCTAssertEqual(driven.stats.closes(listener: 0, .idleTimeout), 0, "a frozen session's timer fired")
    driven.resume()
    XCTAssertEqual(driven.stats.closes(listener: 0, .idleTimeout), 0, "fired in the turn that resumed")
    driven.turn()
    XCTAssertEqual(driven.stats.closes(listener: 0, .idleTimeout), 1)
    XCTAssertEqual(LoopbackPeers.read(client), .failed(ECONNRESET))
  }

  func testADeadlineNotReachedWhileFrozenKeepsItsInstant() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 2s, idle: 10s"))
    let (client, _) = try relayedClient(of: driven, to: server)
    driven.freeze()
    driven.clock.advance(by: .seconds(4))
    driven.quietTurns()
    driven.resume()
    // The idle deadline is still 10 s after the last byte: the time frozen counts.
    assertCloses(driven, for: .idleTimeout, exactlyAfter: .seconds(6), client: client)
  }

  func testAPROXYHeaderHalfSentBeforeTheFreezeIsReadWholeAfterIt() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [server.entry], listener: #", accept_proxy: { trusted: ["127.0.0.0/8"], timeout: 5s }"#))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "PROXY TCP4 192.0.2.1 ")
    driven.turn(until: { driven.stats.value(listener: 0, .accepted) == 1 }, "the client accepted")
    driven.freeze()
    LoopbackPeers.send(client, "192.0.2.2 1111 2222\r\nhello")
    driven.clock.advance(by: .seconds(4))
    driven.quietTurns()
    XCTAssertNil(LoopbackPeers.accept(server.fd), "a frozen session read its header")
    driven.resume()
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("hello", on: upstream)
    XCTAssertEqual(driven.session(of: client)?.clientAddress, SocketAddress(ip: "192.0.2.1", port: 1111))
    XCTAssertEqual(driven.stats.closes(listener: 0, .proxyHeaderTimeout), 0)
  }

  func testAConnectInFlightKeepsItsTimeoutAcrossAFreeze() throws {
    let silent = try silentServer()
    let driven = try worker(
      DrivenWorker.config(servers: [silent.entry], pool: ", retries: 0", timeouts: "connect: 2s, idle: 60s"))
    let client = try client(of: driven)
    driven.turn(until: { driven.stats.value(server: 0, .connectAttempts) == 1 }, "a connect to the silent server")
    driven.freeze()
    driven.clock.advance(by: .seconds(1))
    driven.quietTurns()
    driven.resume()
    driven.clock.advance(by: .seconds(1) - .nanoseconds(1))
    driven.turn()
    XCTAssertEqual(driven.stats.connectFailures(server: 0, .timeout), 0, "timed out early")
    driven.clock.advance(nanoseconds: 1)
    driven.turn()
    XCTAssertEqual(driven.stats.connectFailures(server: 0, .timeout), 1, "not timed out at the deadline")
    XCTAssertEqual(driven.nextRead(on: client), .endOfStream)
  }

  func testAConnectThatCompletesWhileFrozenRelaysAfterTheResume() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "sent before the connect")
    // Frozen at the end of the turn that accepts the client and starts its connect.
    let freeze = UpgradeFreeze()
    driven.worker.post(.freeze(freeze))
    driven.turn(until: { freeze.frozenWorkers == 1 }, "the worker frozen")
    let session = try XCTUnwrap(driven.session(of: client))
    guard case .connecting = session.phase else {
      throw XCTSkip("the kernel completed the loopback connect within the call")
    }
    // The server accepts and answers while the worker cannot see it.
    let upstream = track(try XCTUnwrap(LoopbackPeers.accept(server.fd)))
    LoopbackPeers.send(upstream, "greeting")
    driven.quietTurns()
    guard case .connecting = session.phase else { return XCTFail("connected while frozen") }
    XCTAssertEqual(LoopbackPeers.read(client), .wouldBlock)
    driven.resume()
    driven.receive("greeting", on: client)
    driven.receive("sent before the connect", on: upstream)
  }

  func testAQueuedSessionTakesASlotFreedWhileFrozenAfterTheResume() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [server.entry("max_connections: 1")], pool: ", queue: { size: 4, timeout: 30s }"))
    // Another worker holds the server's only slot.
    XCTAssertTrue(driven.worker.serverLoad.tryAcquire(0, limit: 1))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "queued")
    driven.turn(until: { driven.stats.value(listener: 0, .queued) == 1 }, "the client queued")
    let pool = try XCTUnwrap(driven.session(of: client)?.pool)
    driven.freeze()
    // The other worker's connection closes; its news comes while this worker is frozen.
    driven.worker.serverLoad.release(0)
    driven.worker.post(.serviceQueue(pool))
    driven.quietTurns()
    XCTAssertNil(LoopbackPeers.accept(server.fd), "a frozen worker connected")
    XCTAssertEqual(pool.queuedSessions, 1)
    driven.resume()
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("queued", on: upstream)
    XCTAssertEqual(pool.queuedSessions, 0)
    XCTAssertEqual(driven.stats.closes(listener: 0, .queueTimeout), 0)
  }

  func testAQueuedSessionKeepsItsQueueDeadlineAcrossAFreeze() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [server.entry("max_connections: 1")], pool: ", queue: { size: 4, timeout: 3s }"))
    XCTAssertTrue(driven.worker.serverLoad.tryAcquire(0, limit: 1))
    let client = try client(of: driven)
    driven.turn(until: { driven.stats.value(listener: 0, .queued) == 1 }, "the client queued")
    driven.freeze()
    driven.clock.advance(by: .seconds(2))
    driven.quietTurns()
    driven.resume()
    assertCloses(driven, for: .queueTimeout, exactlyAfter: .seconds(1), client: client)
    driven.worker.serverLoad.release(0)
  }
}
