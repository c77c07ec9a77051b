import Glibc
import XCTest

@testable import SplicerCore

/// A session that cannot open its upstream socket (EMFILE) keeps its client, tries again
/// after each back-off of the worker's clock, and gives up at the connect timeout.
final class WorkerDescriptorWaitTests: DrivenWorkerTestCase {
  func testSessionConnectsOnceDescriptorsAreBack() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 1s, idle: 10s"))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "hello")
    let backoff = Duration.nanoseconds(Int64(Listener.backoffNanoseconds))
    // One descriptor left: the accept takes it, the upstream socket finds none.
    let exhaustion = try DescriptorExhaustion(leaving: 1)
    defer { exhaustion.end() }
    driven.turn(until: { driven.stats.value(listener: 0, .accepted) == 1 }, "the client accepted")
    driven.clock.advance(by: backoff * 3)
    driven.turn()
    XCTAssertEqual(driven.stats.value(server: 0, .connectAttempts), 0)
    exhaustion.end()
    // Nothing retries before the session's back-off ends, even with descriptors free again.
    driven.turn()
    XCTAssertNil(LoopbackPeers.accept(server.fd))
    driven.clock.advance(by: backoff)
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("hello", on: upstream)
    XCTAssertEqual(driven.stats.closes(listener: 0, .resources), 0)
  }

  func testSessionWaitingForADescriptorGivesUpAtTheConnectTimeout() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 1s, idle: 10s"))
    let client = try client(of: driven)
    let backoff = Duration.nanoseconds(Int64(Listener.backoffNanoseconds))
    let exhaustion = try DescriptorExhaustion(leaving: 1)
    defer { exhaustion.end() }
    driven.turn(until: { driven.stats.value(listener: 0, .accepted) == 1 }, "the client accepted")
    // Retried every back-off; the wait counts against the connect timeout.
    for _ in 0..<9 {
      driven.clock.advance(by: backoff)
      driven.turn()
    }
    assertCloses(driven, for: .resources, exactlyAfter: backoff, client: client)
    XCTAssertEqual(LoopbackPeers.read(client), .failed(ECONNRESET))
    XCTAssertEqual(driven.stats.value(server: 0, .connectAttempts), 0)
  }
}
