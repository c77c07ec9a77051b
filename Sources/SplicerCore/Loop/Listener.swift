import Glibc
import SplicerConfig
import SplicerRouting
import SplicerSystem

/// What a session needs to know about the listener that accepted it.
struct ListenerContext {
  let name: String
  /// The listener's `StatsLayout` row, for per-listener counters.
  let index: Int
  let mode: RelayMode
  let pool: BackendPool
  /// Index of the pool's round-robin cursor in the worker.
  let poolSlot: Int
  /// What clients get while no server of the pool is up: nil closes them.
  let fallback: FallbackFile?
}

/// One worker's listening socket for one configured listener.
///
/// Owns the socket (each worker has its own, bound with SO_REUSEPORT, so the kernel spreads
/// new connections over the workers). The socket is level-triggered: it accepts a bounded batch
/// per wake-up and relies on the next wake-up for the rest, which keeps accepting fair to the
/// sessions of the same worker.
final class Listener: EventHandler, TimerTarget {
  let fd: Int32
  /// Replaced by a reload; new sessions take the current one.
  var context: ListenerContext
  private unowned let worker: Worker
  private var paused = false
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  /// Connections accepted per wake-up before the loop serves other events.
  static let acceptBatch = 64
  /// How long accepting pauses after EMFILE/ENFILE, instead of spinning on a full backlog.
  static let backoffNanoseconds: UInt64 = 100_000_000

  /// True when every worker watches a duplicate of one socket (socket activation): then only
  /// one worker is woken per connection.
  private let shared: Bool

  init(fd: Int32, context: ListenerContext, worker: Worker, shared: Bool = false) {
    self.fd = fd
    self.context = context
    self.worker = worker
    self.shared = shared
  }

  func start() throws(SyscallError) {
    try worker.loop.register(fd, events: shared ? [.readable, .exclusive] : [.readable], handler: self)
  }

  func handle(_ events: EpollEvents, fd: Int32) {
    acceptBatch()
  }

  private func acceptBatch() {
    for _ in 0..<Self.acceptBatch {
      do {
        switch try Socket.accept(fd) {
        case .wouldBlock:
          return
        case .processed(let (client, peer)):
          worker.startSession(client: client, peer: peer, listener: context)
        }
      } catch {
        switch error.errno {
        case ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
          // The client went away between SYN and accept; the next one may be fine.
          worker.stats.add(listener: context.index, .acceptErrors)
          continue
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
          pause(error)
          return
        default:
          worker.stats.add(listener: context.index, .acceptErrors)
          worker.logger.error("accept failed", metadata: ["listener": "\(context.name)", "error": "\(error)"])
          pause(error)
          return
        }
      }
    }
  }

  /// Stops watching the socket for a moment; pending clients wait in the kernel's backlog.
  /// Also called by the worker when a session could not open its upstream socket, since
  /// accepting more clients then only means closing them again.
  func pause(_ error: SyscallError) {
    guard !paused else { return }
    paused = true
    worker.stats.add(listener: context.index, .acceptBackoffs)
    worker.logger.warning(
      "accept paused", metadata: ["listener": "\(context.name)", "error": "\(error)", "backoff_ms": "100"])
    // Removed rather than modified: EPOLLEXCLUSIVE registrations cannot be modified.
    worker.loop.unwatch(fd)
    worker.loop.schedule(self, at: worker.loop.now &+ Self.backoffNanoseconds)
  }

  func timerFired(now: UInt64) {
    do {
      try start()
      paused = false
    } catch {
      // Still paused (epoll itself is short of memory, say): try again after another back-off
      // rather than leave the listener unwatched for good.
      worker.logger.error("could not resume accepting", metadata: ["listener": "\(context.name)", "error": "\(error)"])
      worker.loop.schedule(self, at: now &+ Self.backoffNanoseconds)
    }
  }

  /// Stops accepting for good and closes the socket.
  func close() {
    worker.loop.cancelTimer(self)
    // Removed from epoll explicitly: closing a descriptor only ends its registration when no
    // other descriptor shares the socket, and socket-activated listeners are shared (the
    // service manager and every worker hold one); a stale level-triggered registration
    // would spin the loop.
    worker.loop.unwatch(fd)
    Socket.close(fd)
  }
}
