import Glibc
import XCTest

@testable import SplicerCore

/// A pool whose only server is at `max_connections`: clients wait in the pool's queue, are
/// served in the order they came, and leave at the queue timeout by the worker's clock.
final class WorkerQueueTests: DrivenWorkerTestCase {
  func testQueuedClientsTakeTheFreedSlotInArrivalOrder() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [server.entry("max_connections: 1")], pool: ", queue: { size: 2, timeout: 30s }"))
    let (holder, holderUpstream) = try relayedClient(of: driven, to: server)
    var waiting: [Int32] = []
    for tag in ["second", "third"] {
      let client = try client(of: driven)
      LoopbackPeers.send(client, tag)
      waiting.append(client)
      driven.turn(
        until: { driven.stats.value(listener: 0, .queued) == UInt64(waiting.count) }, "\(tag) client queued")
    }
    // The queue holds two: the next client is turned away at once.
    let turnedAway = try client(of: driven)
    XCTAssertEqual(driven.nextRead(on: turnedAway), .endOfStream)
    XCTAssertEqual(driven.stats.closes(listener: 0, .queueFull), 1)
    XCTAssertNil(LoopbackPeers.accept(server.fd), "a server at max_connections got another connection")

    // Each slot freed goes to the client that has waited longest.
    closePeer(holder)
    closePeer(holderUpstream)
    let second = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("second", on: second)
    XCTAssertNil(LoopbackPeers.accept(server.fd))
    closePeer(waiting[0])
    closePeer(second)
    let third = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("third", on: third)
    XCTAssertEqual(driven.stats.closes(listener: 0, .queueTimeout), 0)
  }

  func testQueuedClientLeavesWhenTheClockPassesTheQueueTimeout() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(
        servers: [server.entry("max_connections: 1")], pool: ", queue: { size: 10, timeout: 3s }"))
    _ = try relayedClient(of: driven, to: server)
    // The wait counts from joining the queue, not from the worker's start.
    driven.clock.advance(by: .seconds(1))
    let waiting = try client(of: driven)
    driven.turn(until: { driven.stats.value(listener: 0, .queued) == 1 }, "the client queued")
    assertCloses(driven, for: .queueTimeout, exactlyAfter: .seconds(3), client: waiting)
    XCTAssertEqual(LoopbackPeers.read(waiting), .endOfStream)
    XCTAssertNil(LoopbackPeers.accept(server.fd))
  }
}
