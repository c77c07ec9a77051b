import Glibc
import XCTest

@testable import SplicerCore

/// A refused connect spends one of the pool's retries on the next server, without waiting for
/// any timeout: the clock never moves in these tests.
final class WorkerConnectRetryTests: DrivenWorkerTestCase {
  func testRefusedServerIsSkippedForTheNextOne() throws {
    let refusing = try refusingServer()
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [refusing.entry, server.entry], pool: ", retries: 1"))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    XCTAssertEqual(driven.stats.connectFailures(server: 0, .refused), 1)
    XCTAssertEqual(driven.stats.value(server: 1, .connected), 1)
    LoopbackPeers.send(upstream, "welcome")
    driven.receive("welcome", on: client)
  }

  func testClientIsClosedOnceEveryAttemptWasRefused() throws {
    let first = try refusingServer()
    let second = try refusingServer()
    let driven = try worker(DrivenWorker.config(servers: [first.entry, second.entry], pool: ", retries: 1"))
    let client = try client(of: driven)
    XCTAssertEqual(driven.nextRead(on: client), .endOfStream)
    XCTAssertEqual(driven.stats.closes(listener: 0, .connectFailed), 1)
    XCTAssertEqual(driven.stats.connectFailures(server: 0, .refused), 1)
    XCTAssertEqual(driven.stats.connectFailures(server: 1, .refused), 1)
  }
}
