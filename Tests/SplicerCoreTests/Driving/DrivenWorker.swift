import Glibc
import Logging
import SplicerConfig
import SplicerHealth
import SplicerRouting
import SplicerSystem
import XCTest

@testable import SplicerCore
@testable import SplicerLoop

/// A `Worker` built in-process on a `ManualClock`, with one listener ("test") on a loopback
/// port the kernel chose, that a test drives one loop turn at a time.
///
/// The test talks to it only as the proxy's peers do, through sockets, and reads its
/// counters; time moves only by `clock.advance`, so a timeout fires in exactly the turn that
/// finds the clock at its deadline. Owns the worker; `stop()` ends it as its thread would.
final class DrivenWorker {
  let clock: ManualClock
  let worker: Worker
  let stats: WorkerStats
  /// The port of the worker's listening socket.
  let port: UInt16
  private var stopped = false

  /// - Parameters:
  ///   - yaml: a whole configuration whose first listener is the one the worker accepts on;
  ///     its `bind` is ignored (the harness binds 127.0.0.1:0).
  ///   - index: the worker's index, which a live upgrade's records carry.
  ///   - sharing: another driven worker of the same configuration whose `ServerLoadBoard` and
  ///     listener's `ListenerLimit` this one counts in too, as two workers of one proxy do
  ///     (each still has its own listening socket, and is its only sibling).
  init(yaml: String, index: Int = 0, sharing: DrivenWorker? = nil) throws {
    let configuration = try ConfigLoader.parse(yaml: yaml)
    let routing = RoutingTable(configuration: configuration)
    let listener = configuration.listeners[0]
    let servers = routing.servers.count
    let clock = ManualClock()
    let stats = WorkerStats(listenerCount: 1, serverCount: servers)
    let worker = try Worker(
      index: index, configuration: configuration, stats: stats, health: HealthBoard(capacity: servers),
      serverLoad: sharing?.worker.serverLoad ?? ServerLoadBoard(capacity: servers),
      latency: LatencyRecorders(
        listeners: [listener.name], servers: routing.servers.map { ($0.pool, $0.backend.name) }),
      logger: Logger(label: "driven-worker") { _ in SwiftLogNoOpLogHandler() }, clock: clock.loopClock, finished: {})
    // A close that frees a full listener's slot wakes every worker of the proxy: here, itself.
    worker.siblings = [SiblingWorker(worker: worker)]
    let (fd, port) = try LoopbackPeers.listen(backlog: Int32(listener.backlog))
    let context = ListenerContext(
      name: listener.name, counterRow: 0, mode: listener.mode, routes: routing.routes(forListener: listener.name)!,
      acceptProxy: listener.acceptProxy, inspect: listener.inspect,
      limit: sharing?.worker.listeners.first?.context.limit ?? ListenerLimit(maximum: listener.maxConnections),
      fallbacks: [:],
      clientKeepalive: listener.clientKeepalive.map(KeepaliveProbes.init),
      maxLifetime: listener.maxLifetime?.nanoseconds, rateLimit: listener.rateLimit,
      mirror: listener.mirror.flatMap { mirror in
        routing.pools[mirror.pool].map { MirrorTarget(pool: $0, samplePercent: mirror.samplePercent) }
      })
    try worker.addListener(fd: fd, context: context)
    self.clock = clock
    self.worker = worker
    self.stats = stats
    self.port = port
  }

  /// A configuration of one listener `test` in front of one pool `backends`, `balance: first`
  /// (servers are tried in the order given), without access log.
  /// - Parameters:
  ///   - servers: the pool's server entries, e.g. `{ address: "127.0.0.1:PORT" }`.
  ///   - pool: more keys of the pool, each after a comma: `, retries: 1`.
  ///   - listener: more keys of the listener, the same way.
  static func config(
    servers: [String], pool: String = "", listener: String = "", timeouts: String = "connect: 2s, idle: 10s"
  ) -> String {
    """
    workers: 1
    listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends\(listener) }]
    pools:
      backends: { balance: first, servers: [\(servers.joined(separator: ", "))]\(pool) }
    timeouts: { \(timeouts) }
    log: { level: info, format: json, access_log: false }
    """
  }

  // MARK: Turns

  /// One turn that does not wait: the events ready now, the timers the clock has reached and
  /// the deferred work.
  func turn(file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNoThrow(try worker.loop.runOnce(timeout: .zero), file: file, line: line)
  }

  /// Runs turns, the clock standing still, until `condition` holds. A turn waits at most
  /// 10 ms for an event, and only when nothing is ready: the bound is for a test that fails,
  /// which gives up after 500 turns.
  @discardableResult
  func turn(
    until condition: () -> Bool, _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line
  ) -> Bool {
    for _ in 0..<500 {
      if condition() { return true }
      XCTAssertNoThrow(try worker.loop.runOnce(timeout: .milliseconds(10)), file: file, line: line)
    }
    if condition() { return true }
    XCTFail("never happened: \(what())", file: file, line: line)
    return false
  }

  /// Runs turns until a connection waiting on `listener` (a server behind the worker) can be
  /// accepted, and accepts it.
  func accept(on listener: Int32, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
    var accepted: Int32?
    turn(
      until: {
        accepted = LoopbackPeers.accept(listener); return accepted != nil
      }, "a connection to the server",
      file: file, line: line)
    return accepted
  }

  /// Runs turns until `fd` has received `text` (and not more, nor its end first).
  func receive(_ text: String, on fd: Int32, file: StaticString = #filePath, line: UInt = #line) {
    var received: [UInt8] = []
    var ended: PeerRead?
    turn(
      until: {
        switch LoopbackPeers.read(fd) {
        case .bytes(let bytes): received += bytes
        case .wouldBlock: break
        case let other: ended = other
        }
        return received.count >= text.utf8.count || ended != nil
      }, "\(text) arriving", file: file, line: line)
    XCTAssertEqual(String(decoding: received, as: UTF8.self), text, file: file, line: line)
    XCTAssertNil(ended, "the stream ended before all of \(text) arrived", file: file, line: line)
  }

  /// Runs turns until a read of `fd` finds something other than nothing, and returns it.
  func nextRead(on fd: Int32, file: StaticString = #filePath, line: UInt = #line) -> PeerRead {
    var result = PeerRead.wouldBlock
    turn(
      until: {
        result = LoopbackPeers.read(fd); return result != .wouldBlock
      }, "a read", file: file, line: line)
    return result
  }

  /// Ends the worker as its thread would after a stop: open sessions close with `shutdown`,
  /// listeners, pipes and buffers are freed.
  func stop() {
    guard !stopped else { return }
    stopped = true
    worker.requestStop()
    worker.run()
  }
}
