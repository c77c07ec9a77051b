import Glibc
import SplicerSystem
import XCTest

@testable import SplicerCore

/// A live upgrade's hand-over between two workers of one process (`Worker+Snapshot`,
/// `Worker+Adoption`, `Worker+Relinquishing`): the old worker's sessions travel as records
/// and descriptors over a real socketpair, the new worker continues each byte for byte, its
/// boards count exactly what it adopted, its timers fire at the deadlines the old clock gave,
/// and the old worker's closing of its copies shows nothing to the peers.
final class WorkerAdoptionTests: DrivenWorkerTestCase {
  func testRelayingSessionsContinueByteForByteInTheNewWorker() throws {
    let server = try server()
    let config = DrivenWorker.config(servers: [server.entry], timeouts: "connect: 2s, idle: 60s")
    let old = try worker(config)
    let new = try worker(config)
    let (busyClient, busyUpstream) = try relayedClient(of: old, to: server)
    let (halfClient, halfUpstream) = try relayedClient(of: old, to: server)
    LoopbackPeers.shutdownWrite(halfClient)
    XCTAssertEqual(old.nextRead(on: halfUpstream), .endOfStream)
    let (slowClient, _, sent) = try clientHoldingBytes(of: old, to: server)

    try handOver(from: old, to: new)
    // The old worker's plain closes reset nothing and end nothing.
    for fd in [busyClient, busyUpstream, halfClient] {
      XCTAssertEqual(LoopbackPeers.read(fd), .wouldBlock)
    }
    XCTAssertTrue(old.worker.sessions.isEmpty)
    // The boards count the three sessions, and the pipe that holds bytes.
    let limit = try XCTUnwrap(new.worker.listeners.first?.context.limit)
    XCTAssertEqual(limit.connections, 3)
    XCTAssertEqual(new.worker.serverLoad.connections(0), 3)
    XCTAssertEqual(new.worker.resources.pipes.leased, 1)
    XCTAssertEqual(new.worker.sessions.count, 3)

    LoopbackPeers.send(busyClient, "up after")
    new.receive("up after", on: busyUpstream)
    LoopbackPeers.send(busyUpstream, "down after")
    new.receive("down after", on: busyClient)
    LoopbackPeers.send(halfUpstream, "answer")
    LoopbackPeers.shutdownWrite(halfUpstream)
    new.receive("answer", on: halfClient)
    XCTAssertEqual(new.nextRead(on: halfClient), .endOfStream)
    var received = 0
    new.turn(
      until: {
        received = OffsetPattern.receive(slowClient, from: received)
        return received >= sent
      }, "every byte the server sent reaching the client")
    XCTAssertEqual(received, sent)
    new.turn(until: { new.stats.closes(listener: 0, .completed) == 1 }, "the half-closed session completing")
    XCTAssertEqual(limit.connections, 2)
    XCTAssertEqual(new.worker.serverLoad.connections(0), 2)
  }

  func testACopyBufferHoldingBytesTravelsInline() throws {
    let server = try server()
    let config = DrivenWorker.config(servers: [server.entry], listener: ", mode: copy")
    let old = try worker(config)
    let new = try worker(config)
    let (client, relay, sent) = try clientHoldingBytes(of: old, to: server)
    XCTAssertEqual(relay.toClient.mode, .copy)
    try handOver(from: old, to: new)
    var received = 0
    new.turn(
      until: {
        received = OffsetPattern.receive(client, from: received)
        return received >= sent
      }, "every byte the server sent reaching the client")
    XCTAssertEqual(received, sent)
    XCTAssertEqual(new.session(of: client)?.phase.relay?.toClient.mode, .copy)
  }

  func testAQueuedSessionKeepsItsPlaceAndItsDeadline() throws {
    let server = try server()
    let config = DrivenWorker.config(
      servers: [server.entry("max_connections: 1")], pool: ", queue: { size: 4, timeout: 30s }",
      timeouts: "connect: 2s, idle: 60s")
    let old = try worker(config)
    let new = try worker(config)
    let (holder, holderUpstream) = try relayedClient(of: old, to: server)
    let client = try client(of: old)
    LoopbackPeers.send(client, "queued")
    old.turn(until: { old.stats.value(listener: 0, .queued) == 1 }, "the client queued")
    old.clock.advance(by: .seconds(10))
    old.turn()

    try handOver(from: old, to: new, frozenFor: .seconds(5))
    let pool = try XCTUnwrap(new.session(of: client)?.pool)
    XCTAssertEqual(pool.queuedSessions, 1)
    XCTAssertEqual(new.worker.serverLoad.connections(0), 1)
    XCTAssertEqual(new.worker.listeners.first?.context.limit.connections, 2)
    XCTAssertNil(LoopbackPeers.accept(server.fd), "the queued session connected past the server's limit")
    // The holder still relays.
    LoopbackPeers.send(holder, "still here")
    new.receive("still here", on: holderUpstream)
    // Queued 10 s before the freeze, frozen 5 s: 15 s of its 30 s remain.
    assertCloses(new, for: .queueTimeout, exactlyAfter: .seconds(15), client: client)
    XCTAssertEqual(pool.queuedSessions, 0)
  }

  func testAConnectInFlightKeepsItsTimeout() throws {
    let silent = try silentServer()
    let config = DrivenWorker.config(servers: [silent.entry], pool: ", retries: 0", timeouts: "connect: 2s, idle: 60s")
    let old = try worker(config)
    let new = try worker(config)
    let client = try client(of: old)
    old.turn(until: { old.stats.value(server: 0, .connectAttempts) == 1 }, "a connect to the silent server")
    old.clock.advance(by: .milliseconds(500))
    old.turn()
    try handOver(from: old, to: new, frozenFor: .milliseconds(700))
    XCTAssertEqual(new.worker.serverLoad.connections(0), 1)
    new.clock.advance(by: .milliseconds(800) - .nanoseconds(1))
    new.turn()
    XCTAssertEqual(new.stats.connectFailures(server: 0, .timeout), 0, "timed out early")
    new.clock.advance(nanoseconds: 1)
    new.turn()
    XCTAssertEqual(new.stats.connectFailures(server: 0, .timeout), 1, "not timed out at the deadline")
    XCTAssertEqual(new.nextRead(on: client), .endOfStream)
    XCTAssertEqual(new.worker.serverLoad.connections(0), 0)
  }

  func testAPROXYHeaderHalfReadIsReadWholeByTheNewWorker() throws {
    let server = try server()
    let config = DrivenWorker.config(
      servers: [server.entry], listener: #", accept_proxy: { trusted: ["127.0.0.0/8"], timeout: 5s }"#)
    let old = try worker(config)
    let new = try worker(config)
    let client = try client(of: old)
    LoopbackPeers.send(client, "PROXY TCP4 192.0.2.1 ")
    old.turn(until: { old.stats.value(listener: 0, .accepted) == 1 }, "the client accepted")
    try handOver(from: old, to: new, frozenFor: .seconds(1))
    LoopbackPeers.send(client, "192.0.2.2 1111 2222\r\nhello")
    let upstream = track(try XCTUnwrap(new.accept(on: server.fd)))
    new.receive("hello", on: upstream)
    XCTAssertEqual(new.session(of: client)?.clientAddress, SocketAddress(ip: "192.0.2.1", port: 1111))
  }

  func testARecordWhoseClientIsNotItsPeerIsRefusedAndNothingIsKept() throws {
    let server = try server()
    let config = DrivenWorker.config(servers: [server.entry])
    let old = try worker(config)
    let new = try worker(config)
    _ = try relayedClient(of: old, to: server)
    _ = try relayedClient(of: old, to: server)
    var received = try sendHandover(of: old)
    XCTAssertEqual(received.sessions.first?.records.count, 2)
    received.sessions[0].records[1].peerAddress = try XCTUnwrap(SocketAddress(ip: "192.0.2.9", port: 9))
    XCTAssertThrowsError(try stage(received, into: new)) { error in
      XCTAssertEqual((error as? AdoptionError)?.session, received.sessions[0].records[1].id)
    }
    XCTAssertTrue(new.worker.adoption.staged.isEmpty)
    XCTAssertTrue(new.worker.sessions.isEmpty)
    XCTAssertEqual(new.worker.listeners.first?.context.limit.connections, 0)
    XCTAssertEqual(new.worker.serverLoad.connections(0), 0)
    // The old worker still owns everything and resumes.
    XCTAssertEqual(old.worker.sessions.count, 2)
    old.resume()
  }

  func testAMirrorAndALingeringMirrorMoveWithTheirCopies() throws {
    let server = try server()
    let shadow = try self.server()
    let config = """
      workers: 1
      listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, mirror: { pool: shadow } }]
      pools:
        backends: { servers: [\(server.entry)] }
        shadow: { servers: [\(shadow.entry)] }
      timeouts: { connect: 2s, idle: 10s }
      log: { level: info, format: json, access_log: false }
      """
    let old = try worker(config)
    let new = try worker(config)
    // A lingering mirror: its session has completed, the shadow has not closed yet.
    let (doneClient, doneUpstream) = try relayedClient(of: old, to: server)
    let doneCopy = track(try XCTUnwrap(old.accept(on: shadow.fd)))
    old.receive("hello", on: doneCopy)
    LoopbackPeers.shutdownWrite(doneClient)
    XCTAssertEqual(old.nextRead(on: doneCopy), .endOfStream)
    LoopbackPeers.shutdownWrite(doneUpstream)
    old.turn(until: { old.stats.closes(listener: 0, .completed) == 1 }, "the first session completing")
    // An active mirror.
    let (client, upstream) = try relayedClient(of: old, to: server)
    let copy = track(try XCTUnwrap(old.accept(on: shadow.fd)))
    old.receive("hello", on: copy)
    XCTAssertEqual(old.worker.resources.mirrors.count, 2)

    try handOver(from: old, to: new)
    XCTAssertEqual(new.worker.resources.mirrors.count, 2)
    XCTAssertEqual(LoopbackPeers.read(copy), .wouldBlock, "the old side's close reached the shadow")
    LoopbackPeers.send(client, " world")
    new.receive(" world", on: upstream)
    new.receive(" world", on: copy)
    closePeer(doneCopy)
    new.turn(until: { new.stats.mirrors(listener: 0, .completed) == 1 }, "the lingering mirror completing")
    XCTAssertEqual(new.worker.resources.mirrors.count, 1)
  }
}
