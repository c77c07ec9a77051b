import Glibc
import SplicerSystem
import XCTest

@testable import SplicerCore

/// A worker frozen for a live upgrade and resumed (`Worker+Freezing`): while frozen it reads,
/// writes and accepts nothing, the peers' bytes wait in the kernel's queues, and after the
/// resume every session carries on where it stopped, byte for byte.
final class WorkerFreezeTests: DrivenWorkerTestCase {
  func testAFrozenRelayMovesNothingAndEveryByteArrivesAfterTheResume() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], timeouts: "connect: 2s, idle: 60s"))
    // Both directions busy.
    let (busyClient, busyUpstream) = try relayedClient(of: driven, to: server)
    // Half-closed: the client has ended, the server has not.
    let (halfClient, halfUpstream) = try relayedClient(of: driven, to: server)
    LoopbackPeers.shutdownWrite(halfClient)
    XCTAssertEqual(driven.nextRead(on: halfUpstream), .endOfStream)
    // A pipe holding bytes.
    let (slowClient, slowRelay, sent) = try clientHoldingBytes(of: driven, to: server)

    driven.freeze()
    let busySession = try XCTUnwrap(driven.session(of: busyClient))
    let movedBefore = (
      driven.stats.value(listener: 0, .bytesClientToServer), driven.stats.value(listener: 0, .bytesServerToClient)
    )
    LoopbackPeers.send(busyClient, "up while frozen")
    LoopbackPeers.send(busyUpstream, "down while frozen")
    LoopbackPeers.send(halfUpstream, "answer")
    LoopbackPeers.shutdownWrite(halfUpstream)
    // What the kernel had already taken from the relay still arrives; the pipe's bytes do not.
    var received = 0
    for _ in 0..<5 {
      received = OffsetPattern.receive(slowClient, from: received)
      driven.quietTurns(1)
    }
    driven.quietTurns()
    XCTAssertEqual(LoopbackPeers.read(busyUpstream), .wouldBlock)
    XCTAssertEqual(LoopbackPeers.read(busyClient), .wouldBlock)
    XCTAssertEqual(LoopbackPeers.read(halfClient), .wouldBlock)
    // The relay's sockets hold what the peers sent, unread.
    XCTAssertEqual(queuedBytes(busySession.client), "up while frozen".utf8.count)
    XCTAssertEqual(queuedBytes(busySession.phase.relay!.server), "down while frozen".utf8.count)
    XCTAssertTrue(slowRelay.toClient.hasPendingBytes, "the pipe's bytes stay with their direction")
    XCTAssertEqual(driven.stats.value(listener: 0, .bytesClientToServer), movedBefore.0)
    XCTAssertEqual(driven.stats.value(listener: 0, .bytesServerToClient), movedBefore.1)
    XCTAssertEqual(driven.stats.closes(listener: 0, .completed), 0)
    XCTAssertLessThan(received, sent)

    driven.resume()
    driven.receive("up while frozen", on: busyUpstream)
    driven.receive("down while frozen", on: busyClient)
    driven.receive("answer", on: halfClient)
    XCTAssertEqual(driven.nextRead(on: halfClient), .endOfStream)
    driven.turn(
      until: {
        received = OffsetPattern.receive(slowClient, from: received)
        return received >= sent
      }, "every byte the server sent reaching the client")
    XCTAssertEqual(received, sent)
    driven.turn(until: { driven.stats.closes(listener: 0, .completed) == 1 }, "the half-closed session completing")
    // The busy session still relays both ways.
    LoopbackPeers.send(busyClient, "after")
    driven.receive("after", on: busyUpstream)
    LoopbackPeers.send(busyUpstream, "after")
    driven.receive("after", on: busyClient)
  }

  func testACopyBufferHoldingBytesKeepsThemAcrossAFreeze() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], listener: ", mode: copy"))
    let (client, relay, sent) = try clientHoldingBytes(of: driven, to: server)
    driven.freeze()
    let moved = driven.stats.value(listener: 0, .bytesServerToClient)
    var received = 0
    for _ in 0..<5 {
      received = OffsetPattern.receive(client, from: received)
      driven.quietTurns(1)
    }
    XCTAssertTrue(relay.toClient.hasPendingBytes, "the buffer's bytes stay with their direction")
    XCTAssertEqual(driven.stats.value(listener: 0, .bytesServerToClient), moved)
    driven.resume()
    driven.turn(
      until: {
        received = OffsetPattern.receive(client, from: received)
        return received >= sent
      }, "every byte the server sent reaching the client")
    XCTAssertEqual(received, sent)
  }

  func testAFrozenListenerAcceptsNothingAndServesItsBacklogAfterTheResume() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    driven.freeze()
    let client = try client(of: driven)
    LoopbackPeers.send(client, "waited in the backlog")
    driven.quietTurns()
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 0)
    XCTAssertNil(LoopbackPeers.accept(server.fd))
    driven.resume()
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("waited in the backlog", on: upstream)
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 1)
  }

  func testAListenerAtItsLimitTakesASlotFreedWhileFrozenAfterTheResume() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry], listener: ", max_connections: 1"))
    // Another worker's connection holds the listener's only slot.
    let limit = try XCTUnwrap(driven.worker.listeners.first?.context.limit)
    XCTAssertTrue(limit.tryAcquire())
    let client = try client(of: driven)
    LoopbackPeers.send(client, "waited for a slot")
    driven.turn(until: { driven.stats.value(listener: 0, .limitPauses) == 1 }, "the listener paused at its limit")
    driven.freeze()
    // That connection closes while this worker is frozen; its news is dropped.
    XCTAssertTrue(limit.release())
    driven.worker.post(.capacityFreed(limit))
    driven.quietTurns()
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 0)
    driven.resume()
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("waited for a slot", on: upstream)
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 1)
  }

  func testAListenerPausedForDescriptorsIsWatchedAgainAtTheResume() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    let client = try client(of: driven)
    LoopbackPeers.send(client, "after the back-off")
    let exhaustion = try DescriptorExhaustion()
    defer { exhaustion.end() }
    driven.turn(until: { driven.stats.value(listener: 0, .acceptBackoffs) == 1 }, "accept paused")
    driven.freeze()
    exhaustion.end()
    // The back-off's timer was cancelled by the freeze: its deadline passing retries nothing.
    driven.clock.advance(by: .seconds(1))
    driven.quietTurns()
    XCTAssertEqual(driven.stats.value(listener: 0, .accepted), 0)
    driven.resume()
    let upstream = track(try XCTUnwrap(driven.accept(on: server.fd)))
    driven.receive("after the back-off", on: upstream)
    XCTAssertEqual(driven.stats.value(listener: 0, .acceptBackoffs), 1)
  }

  func testAPosterWaitsUntilAWorkerOnItsOwnThreadHasFrozen() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    let worker = driven.worker
    let thread = try Threads.start(name: "splicer-w0") { worker.run() }
    let freeze = UpgradeFreeze()
    worker.post(.freeze(freeze))
    // The bound only guards a stuck loop; a worker freezes within one turn.
    XCTAssertTrue(freeze.waitUntilFrozen(workers: 1, timeout: .seconds(30)))
    XCTAssertFalse(freeze.waitUntilFrozen(workers: 2, timeout: .zero))
    worker.post(.resume)
    worker.requestStop()
    Threads.join(thread)
  }

  func testReloadsWaitForTheResumeAndFreezingTwiceIsHarmless() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    driven.freeze()
    driven.freeze()
    driven.worker.post(.drain)
    driven.quietTurns(1)
    XCTAssertTrue(driven.worker.isFrozen)
    XCTAssertEqual(driven.worker.listeners.count, 1, "a drain applied while frozen")
    driven.resume()
    // The drain, held while frozen, closed the listener after the resume.
    XCTAssertEqual(driven.worker.listeners.count, 0)
  }

  func testAMirrorAndALingeringMirrorAreFrozenAndResumed() throws {
    let server = try server()
    let shadow = try self.server()
    let driven = try worker(
      """
      workers: 1
      listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, mirror: { pool: shadow } }]
      pools:
        backends: { servers: [\(server.entry)] }
        shadow: { servers: [\(shadow.entry)] }
      timeouts: { connect: 2s, idle: 10s }
      log: { level: info, format: json, access_log: false }
      """)
    let (client, upstream) = try relayedClient(of: driven, to: server)
    let copy = track(try XCTUnwrap(driven.accept(on: shadow.fd)))
    driven.receive("hello", on: copy)
    XCTAssertEqual(driven.worker.resources.mirrors.count, 1)

    // An active mirror: the client's bytes reach neither server while frozen, both after.
    driven.freeze()
    LoopbackPeers.send(client, " world")
    driven.quietTurns()
    XCTAssertEqual(LoopbackPeers.read(copy), .wouldBlock)
    XCTAssertEqual(LoopbackPeers.read(upstream), .wouldBlock)
    driven.resume()
    driven.receive(" world", on: upstream)
    driven.receive(" world", on: copy)

    // A lingering mirror: its session has completed, the shadow has not closed yet.
    LoopbackPeers.shutdownWrite(client)
    XCTAssertEqual(driven.nextRead(on: copy), .endOfStream)
    LoopbackPeers.shutdownWrite(upstream)
    driven.turn(until: { driven.stats.closes(listener: 0, .completed) == 1 }, "the session completing")
    let mirror = try XCTUnwrap(driven.worker.resources.mirrors.all.first)
    let lingerDeadline = mirror.timerDeadline
    XCTAssertGreaterThanOrEqual(mirror.timerSlot, 0, "the mirror lingers on its timer")
    driven.freeze()
    XCTAssertEqual(mirror.timerSlot, -1, "a frozen mirror's timer is cancelled")
    closePeer(copy)
    driven.quietTurns()
    XCTAssertEqual(driven.stats.mirrors(listener: 0, .completed), 0, "a frozen mirror saw the shadow close")
    driven.resume()
    XCTAssertEqual(mirror.timerDeadline, lingerDeadline, "the linger timer keeps its deadline")
    driven.turn(until: { driven.stats.mirrors(listener: 0, .completed) == 1 }, "the mirror completing")
    XCTAssertEqual(driven.worker.resources.mirrors.count, 0)
    XCTAssertEqual(driven.stats.value(listener: 0, .mirrorBytes), UInt64("hello world".utf8.count))
  }
}

extension DrivenWorkerTestCase {
  /// A relayed client that does not read while its server sends, until the direction to the
  /// client holds bytes it cannot write (in its pipe, or its buffer in copy mode). Returns
  /// the client, its relay and how many bytes the server sent.
  func clientHoldingBytes(
    of driven: DrivenWorker, to server: Server, file: StaticString = #filePath, line: UInt = #line
  ) throws -> (client: Int32, relay: Relay, sent: Int) {
    let (client, upstream) = try relayedClient(of: driven, to: server)
    let session = try XCTUnwrap(driven.session(of: client), file: file, line: line)
    let relay = try XCTUnwrap(session.phase.relay, file: file, line: line)
    // Small buffers on the way to the client keep the bytes in flight to a few hundred KiB
    // (autotuned, the relay's send buffer would take megabytes before the pipe holds any).
    setBufferSize(client, SO_RCVBUF)
    setBufferSize(session.client, SO_SNDBUF)
    var sent = 0
    driven.turn(
      until: {
        sent = OffsetPattern.send(upstream, from: sent)
        return relay.toClient.hasPendingBytes && !relay.toClient.destinationWritable
      }, "the direction to the client holding bytes", file: file, line: line)
    return (client, relay, sent)
  }
}

/// Fixes a socket buffer at a small size (the kernel doubles it), which also stops its
/// autotuning.
private func setBufferSize(_ fd: Int32, _ option: Int32) {
  var size: Int32 = 16_384
  XCTAssertEqual(setsockopt(fd, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size)), 0)
}
