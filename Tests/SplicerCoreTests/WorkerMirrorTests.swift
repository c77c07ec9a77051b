import Glibc
import XCTest

@testable import SplicerCore

/// A listener's mirror on an in-process worker: the shadow gets the client's bytes and FIN,
/// its replies go nowhere, and a shadow that cannot be reached costs the real connection
/// nothing.
final class WorkerMirrorTests: DrivenWorkerTestCase {
  private func config(server: Server, shadow: Server) -> String {
    """
    workers: 1
    listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends, mirror: { pool: shadow } }]
    pools:
      backends: { servers: [\(server.entry)] }
      shadow: { servers: [\(shadow.entry)] }
    timeouts: { connect: 2s, idle: 10s }
    log: { level: info, format: json, access_log: false }
    """
  }

  func testTheShadowGetsTheClientsBytesAndFINAndItsRepliesAreDropped() throws {
    let server = try self.server()
    let shadow = try self.server()
    let driven = try worker(config(server: server, shadow: shadow))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    let copy = track(try XCTUnwrap(driven.accept(on: shadow.fd)))
    driven.receive("hello", on: copy)
    LoopbackPeers.send(copy, "a reply nobody wants")
    LoopbackPeers.send(client, " world")
    driven.receive(" world", on: upstream)
    driven.receive(" world", on: copy)
    // The shadow's reply was read (and thrown away), never relayed.
    XCTAssertEqual(LoopbackPeers.read(client), .wouldBlock)
    LoopbackPeers.shutdownWrite(client)
    XCTAssertEqual(driven.nextRead(on: upstream), .endOfStream)
    XCTAssertEqual(driven.nextRead(on: copy), .endOfStream)
    LoopbackPeers.send(upstream, "answer")
    driven.receive("answer", on: client)
    LoopbackPeers.shutdownWrite(upstream)
    XCTAssertEqual(driven.nextRead(on: client), .endOfStream)
    driven.turn(until: { driven.stats.closes(listener: 0, .completed) == 1 }, "the session completing")
    // The mirror outlives its session until the shadow closes too: closing a socket with
    // unread replies would reset it and lose what its send buffer still held.
    driven.turn()
    XCTAssertEqual(driven.stats.mirrors(listener: 0, .completed), 0)
    closePeer(copy)
    driven.turn(until: { driven.stats.mirrors(listener: 0, .completed) == 1 }, "the mirror completing")
    XCTAssertEqual(driven.stats.value(listener: 0, .mirrorBytes), UInt64("hello world".utf8.count))
  }

  func testARefusingShadowIsCountedAndTheConnectionCarriesOn() throws {
    let server = try self.server()
    let shadow = try refusingServer()
    let driven = try worker(config(server: server, shadow: shadow))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    driven.turn(until: { driven.stats.mirrors(listener: 0, .connectFailed) == 1 }, "the failed mirror counted")
    LoopbackPeers.send(client, "more")
    driven.receive("more", on: upstream)
    LoopbackPeers.send(upstream, "answer")
    driven.receive("answer", on: client)
    for result in MirrorResult.allCases where result != .connectFailed {
      XCTAssertEqual(driven.stats.mirrors(listener: 0, result), 0, "\(result)")
    }
  }

  func testAClientResetEndsTheCopyWithAResetNotAFIN() throws {
    let server = try self.server()
    let shadow = try self.server()
    let driven = try worker(config(server: server, shadow: shadow))
    let (client, upstream) = try relayedClient(of: driven, to: server)
    let copy = track(try XCTUnwrap(driven.accept(on: shadow.fd)))
    driven.receive("hello", on: copy)
    // Everything the client sent is with the shadow, and no EOF: the client then resets.
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(client, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    closePeer(client)
    driven.turn(until: { driven.stats.closes(listener: 0, .clientReset) == 1 }, "the session closing on the reset")
    XCTAssertEqual(driven.stats.mirrors(listener: 0, .unfinished), 1)
    XCTAssertEqual(driven.stats.mirrors(listener: 0, .completed), 0)
    // The shadow, like the real server, sees a reset: a FIN would pass the cut stream off as
    // a whole one.
    XCTAssertEqual(driven.nextRead(on: copy), .failed(ECONNRESET))
    XCTAssertEqual(driven.nextRead(on: upstream), .failed(ECONNRESET))
  }

  func testSampleMirrorsAnExactShareInEvenSteps() {
    let cases: [(percent: Int, mirrored: [Int], line: UInt)] = [
      (0, [], #line),
      (100, Array(0..<20), #line),
      (10, [9, 19], #line),
      (25, [3, 7, 11, 15, 19], #line),
      (50, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19], #line),
    ]
    for (percent, expected, line) in cases {
      let sink = MirrorSink()
      let mirrored = (0..<20).filter { _ in sink.sample(percent: percent) }
      XCTAssertEqual(mirrored, expected, "\(percent)%", line: line)
    }
  }
}
