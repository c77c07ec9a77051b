import Glibc
import XCTest

@testable import SplicerCore

/// A listener at `max_connections` stops accepting, leaving the next client in the kernel's
/// backlog, and accepts it once a connection of that listener closes.
final class WorkerListenerLimitTests: DrivenWorkerTestCase {
  func testListenerPausesAtItsLimitAndResumesWhenASlotFrees() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], listener: ", max_connections: 1"))
    let (first, firstUpstream) = try relayedClient(of: driven, to: server)
    XCTAssertEqual(driven.stats.value(listener: 0, .limitPauses), 1)
    let next = try client(of: driven)
    LoopbackPeers.send(next, "next")
    for _ in 0..<3 { driven.turn() }
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 1)
    XCTAssertNil(LoopbackPeers.accept(server.fd))

    closePeer(first)
    closePeer(firstUpstream)
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("next", on: upstream)
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 2)
  }
}
