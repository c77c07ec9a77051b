import Glibc
import SplicerConfig
import SplicerSystem
import XCTest

@testable import SplicerCore

/// The pacing caps a worker gives its sessions' sockets, read back with getsockopt: where
/// each limit is set, how `listener_total` is divided among the connections that send, and what
/// a new total does to open sessions. Time moves only by the manual clock, so a re-division
/// happens in exactly the turn that reaches the divider's period.
final class WorkerPacingTests: DrivenWorkerTestCase {
  private let unlimited = Socket.unlimitedPacingRate
  private let period = Duration.nanoseconds(Int64(PacingDivider.period))

  /// The caps of the `index`th open session's client socket (download) and server socket
  /// (upload), as the kernel has them.
  private func caps(_ driven: DrivenWorker, _ index: Int, file: StaticString = #filePath, line: UInt = #line) throws
    -> [UInt64]
  {
    let session = driven.worker.sessions[index]
    let relay = try XCTUnwrap(session.phase.relay, "session \(index) is not relaying", file: file, line: line)
    return [try Socket.pacingRate(session.client), try Socket.pacingRate(relay.server)]
  }

  func testWithoutLimitsNoSocketIsPaced() throws {
    let server = try server()
    let driven = try worker(DrivenWorker.config(servers: [server.entry]))
    _ = try relayedClient(of: driven, to: server)
    XCTAssertEqual(try caps(driven, 0), [unlimited, unlimited])
    XCTAssertFalse(driven.worker.pacing.isDividing)
  }

  /// The download cap comes from the listening socket (the session makes no call for it);
  /// the upload cap is set on the server socket.
  func testPerConnectionLimitsPaceTheSendingSockets() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(servers: [server.entry], listener: ", rate_limit: { download: 2MB/s, upload: 300kB/s }"))
    _ = try relayedClient(of: driven, to: server)
    XCTAssertEqual(try caps(driven, 0), [2_000_000, 300_000])
  }

  func testListenerTotalIsDividedAmongTheConnectionsThatSend() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(servers: [server.entry], listener: ", rate_limit: { upload: 300kB/s, listener_total: 1MB/s }")
    )
    let first = try relayedClient(of: driven, to: server)
    XCTAssertEqual(try caps(driven, 0), [1_000_000, 300_000], "alone: the whole total, under its own upload limit")

    let second = try relayedClient(of: driven, to: server)
    XCTAssertEqual(try caps(driven, 1), [500_000, 300_000], "a new session starts at the share for two")
    XCTAssertEqual(try caps(driven, 0), [1_000_000, 300_000], "the first keeps its share until the timer")
    // Both send within the period, so both count at the timer.
    driven.clock.advance(by: period - .nanoseconds(1))
    for peers in [first, second] {
      LoopbackPeers.send(peers.client, "busy")
      driven.receive("busy", on: peers.upstream)
    }
    XCTAssertEqual(try caps(driven, 0), [1_000_000, 300_000], "re-divided before the period")
    driven.clock.advance(nanoseconds: 1)
    driven.turn()
    XCTAssertEqual(try caps(driven, 0), [500_000, 300_000], "re-divided at the period")

    // In the next period only the first sends: the idle second takes no share from it.
    driven.clock.advance(by: period - .nanoseconds(1))
    LoopbackPeers.send(first.client, "still busy")
    driven.receive("still busy", on: first.upstream)
    driven.clock.advance(nanoseconds: 1)
    driven.turn()
    XCTAssertEqual(try caps(driven, 0), [1_000_000, 300_000], "the only one sending: the whole total")
    XCTAssertEqual(try caps(driven, 1), [1_000_000, 300_000], "the idle one is paced at the share too")

    // Both send again: divided again at the next period.
    driven.clock.advance(by: period - .nanoseconds(1))
    LoopbackPeers.send(second.upstream, "answer")
    driven.receive("answer", on: second.client)
    LoopbackPeers.send(first.client, "more")
    driven.receive("more", on: first.upstream)
    driven.clock.advance(nanoseconds: 1)
    driven.turn()
    XCTAssertEqual(try caps(driven, 0), [500_000, 300_000], "two sending again")

    closePeer(second.client)
    closePeer(second.upstream)
    driven.turn(until: { driven.worker.sessions.count == 1 }, "the second session closing")
    LoopbackPeers.send(first.client, "last")
    driven.receive("last", on: first.upstream)
    driven.clock.advance(by: period)
    driven.turn()
    XCTAssertEqual(try caps(driven, 0), [1_000_000, 300_000], "alone again: the whole total")
  }

  /// A reload hands the divider the listeners' new contexts: a new total applies to open
  /// sessions at once; without one, they go back to their own limits (those they were
  /// accepted under).
  func testANewTotalReachesOpenSessionsAtOnce() throws {
    let server = try server()
    let driven = try worker(
      DrivenWorker.config(servers: [server.entry], listener: ", rate_limit: { download: 700kB/s }"))
    _ = try relayedClient(of: driven, to: server)
    XCTAssertEqual(try caps(driven, 0), [700_000, unlimited])
    var context = driven.worker.sessions[0].listener

    context.rateLimit = RateLimitConfig(listenerTotal: 400_000)
    driven.worker.pacing.update(listeners: [context])
    XCTAssertEqual(try caps(driven, 0), [400_000, 400_000], "the share, below the session's own download limit")

    context.rateLimit = RateLimitConfig(listenerTotal: 4_000_000)
    driven.worker.pacing.update(listeners: [context])
    XCTAssertEqual(try caps(driven, 0), [700_000, 4_000_000], "its own download limit, below the new share")

    context.rateLimit = RateLimitConfig()
    driven.worker.pacing.update(listeners: [context])
    XCTAssertEqual(try caps(driven, 0), [700_000, unlimited], "no total: its own limits again")
    XCTAssertFalse(driven.worker.pacing.isDividing)
  }
}
