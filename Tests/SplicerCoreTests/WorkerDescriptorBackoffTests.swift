import Glibc
import XCTest

@testable import SplicerCore

/// Out of descriptors, a listener stops watching its socket for one back-off (100 ms by the
/// worker's clock) instead of retrying at once: the client waits in the backlog, no turn
/// before the back-off tries again, and the first one after it does.
final class WorkerDescriptorBackoffTests: DrivenWorkerTestCase {
  func testAcceptOutOfDescriptorsRetriesOncePerBackoff() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "hello")
    let backoff = Duration.nanoseconds(Int64(Listener.backoffNanoseconds))
    let backoffs = { driven.stats.value(listener: 0, .acceptBackoffs) }
    let exhaustion = try DescriptorExhaustion()
    defer { exhaustion.end() }

    driven.turn(until: { backoffs() == 1 }, "accept paused")
    for _ in 0..<10 { driven.turn() }
    XCTAssertEqual(backoffs(), 1, "retried before the back-off")
    driven.clock.advance(by: backoff - .nanoseconds(1))
    for _ in 0..<10 { driven.turn() }
    XCTAssertEqual(backoffs(), 1, "retried before the back-off")
    driven.clock.advance(nanoseconds: 1)
    driven.turn(until: { backoffs() == 2 }, "a retry once the back-off passed")
    for _ in 0..<10 { driven.turn() }
    XCTAssertEqual(backoffs(), 2)
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 0)

    // Descriptors free again: the next retry serves the client that waited in the backlog.
    exhaustion.end()
    driven.clock.advance(by: backoff)
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("hello", on: upstream)
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 1)
    XCTAssertEqual(backoffs(), 2)
  }
}
