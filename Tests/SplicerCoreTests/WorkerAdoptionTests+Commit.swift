import Glibc
import XCTest

@testable import SplicerCore

/// The commit in two parts (`Worker+Adoption`): the main thread counts every worker's adopted
/// sessions before any worker's thread runs, and each worker registers its own sessions on its
/// thread, once.
extension WorkerAdoptionTests {
  func testEveryWorkersSessionsAreCountedBeforeAnyWorkerRegistersItsOwn() throws {
    let server = try server()
    let config = DrivenWorker.config(
      servers: [server.entry], listener: ", max_connections: 3", timeouts: "connect: 2s, idle: 60s")
    let oldFirst = try worker(config, index: 0)
    let oldSecond = try worker(config, index: 1)
    let first = try worker(config, index: 0)
    let second = try worker(config, index: 1, sharing: first)
    let relayedByFirst = [try relayedClient(of: oldFirst, to: server), try relayedClient(of: oldFirst, to: server)]
    let relayedBySecond = [try relayedClient(of: oldSecond, to: server)]
    try stageHandOver(from: oldFirst, to: first)
    try stageHandOver(from: oldSecond, to: second)

    // The main thread's part, for both workers, as `ProxyUpgradeRecipient.commit` runs it.
    first.worker.commitAdoption()
    second.worker.commitAdoption()
    let limit = try XCTUnwrap(first.worker.listeners.first?.context.limit)
    XCTAssertTrue(limit === second.worker.listeners.first?.context.limit)
    XCTAssertEqual(limit.connections, 3)
    XCTAssertFalse(limit.hasRoom, "the first worker to run could accept past max_connections")
    XCTAssertEqual(first.worker.serverLoad.connections(0), 3)
    XCTAssertEqual(first.worker.sessions.count, 2)
    XCTAssertEqual(second.worker.sessions.count, 1)
    for driven in [first, second] {
      assertNothingRegistered(driven)
      XCTAssertEqual(driven.worker.adoption.awaitingRegistration?.sessions.count, driven.worker.sessions.count)
    }

    // Each worker's own part, the first before the second as their threads may run.
    first.worker.registerCommittedAdoption()
    assertRegistered(first)
    assertNothingRegistered(second)
    XCTAssertEqual(limit.connections, 3)
    second.worker.registerCommittedAdoption()
    assertRegistered(second)

    // Once only: a second registration would fail its EPOLL_CTL_ADDs and close the sessions.
    first.worker.registerCommittedAdoption()
    XCTAssertEqual(first.stats.closes(listener: 0, .resources), 0)
    for (driven, relayed) in [(first, relayedByFirst), (second, relayedBySecond)] {
      for (client, upstream) in relayed {
        LoopbackPeers.send(client, "after the commit")
        driven.receive("after the commit", on: upstream)
      }
    }
    XCTAssertEqual(limit.connections, 3)
  }

  func testAnAbandonedAdoptionLeavesNothingToRegister() throws {
    let server = try server()
    let config = DrivenWorker.config(servers: [server.entry])
    let old = try worker(config)
    let new = try worker(config)
    _ = try relayedClient(of: old, to: server)
    let received = try sendHandover(of: old)
    try stage(received, into: new)
    new.worker.abandonAdoption()
    XCTAssertNil(new.worker.adoption.awaitingRegistration)
    new.worker.registerCommittedAdoption()
    XCTAssertTrue(new.worker.sessions.isEmpty)
    XCTAssertEqual(new.worker.listeners.first?.context.limit.connections, 0)
    // The test still owns the received descriptors (the ledger's part): none was watched.
    for fd in received.sessions.flatMap(\.descriptors) {
      XCTAssertFalse(EpollWatches.watch(fd))
    }
    old.resume()
  }

  /// No adopted socket is in an epoll set, no timer armed and no pump queued.
  private func assertNothingRegistered(_ driven: DrivenWorker, file: StaticString = #filePath, line: UInt = #line) {
    for session in driven.worker.sessions {
      XCTAssertFalse(EpollWatches.watch(session.client), "a client registered", file: file, line: line)
      if let server = session.phase.upstream?.server {
        XCTAssertFalse(EpollWatches.watch(server), "a server socket registered", file: file, line: line)
      }
      XCTAssertLessThan(session.timerSlot, 0, "a timer armed", file: file, line: line)
    }
    XCTAssertTrue(driven.worker.loop.takeDeferred().isEmpty, "a pump queued", file: file, line: line)
  }

  /// Every adopted session's sockets registered and its idle timer armed.
  private func assertRegistered(_ driven: DrivenWorker, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNil(driven.worker.adoption.awaitingRegistration, file: file, line: line)
    for session in driven.worker.sessions {
      XCTAssertTrue(EpollWatches.watch(session.client), "a client not registered", file: file, line: line)
      if let server = session.phase.upstream?.server {
        XCTAssertTrue(EpollWatches.watch(server), "a server socket not registered", file: file, line: line)
      }
      XCTAssertGreaterThanOrEqual(session.timerSlot, 0, "no timer armed", file: file, line: line)
    }
  }
}
