import Glibc
import XCTest

@testable import SplicerCore

/// Each direction ends on its own: a client that shuts its write side still gets the rest of
/// the server's answer, and the session completes when both sides have ended.
final class WorkerHalfCloseTests: DrivenWorkerTestCase {
  func testClientHalfCloseReachesTheServerAndTheAnswerStillReachesTheClient() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    LoopbackPeers.send(client, "request")
    LoopbackPeers.shutdownWrite(client)
    driven.receive("request", on: upstream)
    XCTAssertEqual(driven.nextRead(on: upstream), .endOfStream)
    // The server has seen the client's end; the other direction is still open.
    XCTAssertEqual(LoopbackPeers.read(client), .wouldBlock)
    LoopbackPeers.send(upstream, "answer")
    driven.receive("answer", on: client)
    LoopbackPeers.shutdownWrite(upstream)
    XCTAssertEqual(driven.nextRead(on: client), .endOfStream)
    driven.turn(until: { driven.stats.closes(listener: 0, .completed) == 1 }, "the session completing")
  }
}
