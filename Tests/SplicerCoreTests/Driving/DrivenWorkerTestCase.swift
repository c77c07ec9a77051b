import Glibc
import XCTest

@testable import SplicerCore

/// Tests of a `DrivenWorker` and the loopback peers around it; closes every socket and stops
/// every worker a test made.
class DrivenWorkerTestCase: XCTestCase {
  /// A server behind the worker: a listening socket, and its entry for a pool's `servers`.
  struct Server {
    let fd: Int32
    let port: UInt16
    var entry: String { "{ address: \"127.0.0.1:\(port)\" }" }

    func entry(_ more: String) -> String { "{ address: \"127.0.0.1:\(port)\", \(more) }" }
  }

  private var descriptors: Set<Int32> = []
  private var workers: [DrivenWorker] = []

  override func tearDown() {
    for worker in workers { worker.stop() }
    workers.removeAll()
    for fd in descriptors { close(fd) }
    descriptors.removeAll()
    super.tearDown()
  }

  func track(_ fd: Int32) -> Int32 {
    descriptors.insert(fd)
    return fd
  }

  /// Hands a descriptor over to something that closes it (an adopting worker).
  func untrack(_ fd: Int32) {
    descriptors.remove(fd)
  }

  /// Closes one of the test's sockets before the test ends.
  func closePeer(_ fd: Int32) {
    descriptors.remove(fd)
    close(fd)
  }

  /// A driven worker, stopped at the end of the test; see `DrivenWorker.init`.
  func worker(_ yaml: String, index: Int = 0, sharing: DrivenWorker? = nil) throws -> DrivenWorker {
    let worker = try DrivenWorker(yaml: yaml, index: index, sharing: sharing)
    workers.append(worker)
    return worker
  }

  func server() throws -> Server {
    let (fd, port) = try LoopbackPeers.listen()
    return Server(fd: track(fd), port: port)
  }

  /// A server that refuses every connect: its port is bound, nothing listens on it.
  func refusingServer() throws -> Server {
    let (fd, port) = try LoopbackPeers.refusingPort()
    return Server(fd: track(fd), port: port)
  }

  /// A server that never answers a connect: its backlog is full and never accepted, so the
  /// kernel drops the SYNs.
  func silentServer() throws -> Server {
    let (fd, port) = try LoopbackPeers.listen(backlog: 0)
    // Linux queues backlog + 1 connections (some kernels one more): fill it until a connect
    // stays pending.
    for _ in 0..<4 {
      let filler = track(try LoopbackPeers.connect(port: port))
      if LoopbackPeers.isPending(filler) { return Server(fd: track(fd), port: port) }
    }
    close(fd)
    throw XCTSkip("this kernel answers SYNs to a full backlog")
  }

  /// A client of the worker.
  func client(of worker: DrivenWorker) throws -> Int32 {
    track(try LoopbackPeers.connect(port: worker.port))
  }

  /// A client relayed to `server`, proven by a first message; returns both ends.
  func relayedClient(of worker: DrivenWorker, to server: Server) throws -> (client: Int32, upstream: Int32) {
    let client = try client(of: worker)
    let upstream = try XCTUnwrap(worker.accept(on: server.fd))
    _ = track(upstream)
    LoopbackPeers.send(client, "hello")
    worker.receive("hello", on: upstream)
    return (client, upstream)
  }

  /// Moves the clock to one nanosecond before `interval` has passed: the session is not
  /// closed for `reason` and its client reads nothing yet; then one nanosecond more: it is.
  func assertCloses(
    _ driven: DrivenWorker, for reason: CloseReason, exactlyAfter interval: Duration, client: Int32,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    driven.clock.advance(by: interval - .nanoseconds(1))
    driven.turn(file: file, line: line)
    XCTAssertEqual(driven.stats.closes(listener: 0, reason), 0, "closed early", file: file, line: line)
    XCTAssertEqual(LoopbackPeers.read(client), .wouldBlock, file: file, line: line)
    driven.clock.advance(nanoseconds: 1)
    driven.turn(file: file, line: line)
    XCTAssertEqual(driven.stats.closes(listener: 0, reason), 1, "not closed at the deadline", file: file, line: line)
  }
}
