import Glibc
import Logging
import SplicerConfig
import SplicerLoop
import SplicerRouting
import SplicerSystem

/// One client connection and its upstream connection, from accept to close.
///
/// Owns the client socket and its `ListenerLimit` slot from accept to close, in every phase.
/// Everything else it owns belongs to its `phase` (see `Session.Phase`): the upstream socket
/// and the server's slot (`ConnectAttempt`, then `Relay`), the pipes (leased by the `Relay`'s
/// two directions), the queue place (`queued`), the fallback file's offset (`answering`).
/// Lives on one worker's thread, and holds one timer whose meaning is the phase's. The
/// phases, in order:
/// - admission: the PROXY header (`accept_proxy`), the access rules, and the TLS ClientHello
///   when routes need its server name (peeked, never consumed); then the route picks the pool;
/// - choosing a server: connecting to it, queueing while every server that could take it is
///   at `max_connections`, waiting for a descriptor, or answering with the pool's fallback
///   file when none is up;
/// - relaying: both directions pumping, bounded by the idle timeout (after one peer reset,
///   what it had sent still goes out, then the other peer is reset).
final class Session: EventHandler, TimerTarget, DeferredWork {
  let client: Int32
  /// The peer of the client socket: the client, or the load balancer in front (accept_proxy).
  let peerAddress: SocketAddress
  /// The client as routing, access rules, logs and `send_proxy` see it: the peer, or the
  /// source a trusted PROXY header gave.
  var clientAddress: SocketAddress
  /// The address the client connected to, when a PROXY header gave it.
  var destinationAddress: SocketAddress?
  let listener: ListenerContext
  unowned let worker: Worker
  /// Where the session is, with what only that phase owns. Before `start` it is the first
  /// phase admission may need; admission moves on at once when the listener does not.
  /// Unchecked exclusivity: only the worker's thread touches a session, and no access to the
  /// phase overlaps another (each reads or replaces it whole).
  @exclusivity(unchecked) var phase = Phase.readingProxyHeader
  /// The pool the route chose; nil until then. Set once: the queue, passive checks, the
  /// fallback answer and the access log read it.
  var pool: BackendPool?
  /// The TLS server name the client asked for, when the listener inspects it.
  var serverName: String?
  var timeline: SessionTimeline
  /// Urgent data was reported on the client's or the server's socket before relaying began:
  /// edge-triggered epoll reports it once, so it is noted in whichever phase it comes and
  /// handed to the relay's directions when relaying begins.
  var urgentFromClient = false
  var urgentFromServer = false

  /// A deferred pump is queued on the loop (`runDeferred`), so that it is queued once.
  var deferredRunQueued = false
  /// Position in the worker's session list, for O(1) removal.
  var listIndex = -1
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  init(client: Int32, peerAddress: SocketAddress, listener: ListenerContext, worker: Worker) {
    self.client = client
    self.peerAddress = peerAddress
    self.clientAddress = peerAddress
    self.listener = listener
    self.worker = worker
    timeline = SessionTimeline(acceptedAt: worker.loop.now)
  }

  /// Registers the client socket and starts admission. The client socket has TCP_NODELAY
  /// already, inherited from the listening socket (`Listener.start`).
  func start() {
    do {
      try worker.loop.register(client, events: Self.interest, handler: self)
    } catch {
      close(.resources)
      return
    }
    beginAdmission()
  }

  /// Edge-triggered, both directions at once, the peer's half-close, and TCP urgent data
  /// (which splice cannot read past on its own).
  static let interest: EpollEvents = [.readable, .writable, .readHangup, .urgent, .edgeTriggered]

  // MARK: Events

  func handle(_ events: EpollEvents, fd: Int32) {
    if events.contains(.urgent) { noteUrgentData(on: fd) }
    switch phase {
    case .closed:
      return
    case .readingProxyHeader, .inspecting, .queued:
      if events.contains(.error) || events.contains(.hangup) {
        close(socketFailure(errno: Socket.pendingError(client), onClientSide: true))
      } else if events.contains(.readable) || events.contains(.readHangup) {
        admissionReadable(halfClosed: events.contains(.readHangup))
      }
    case .answering(let answer):
      answeringEvent(events, answer)
    case .connecting(let plan, let attempt) where fd == attempt.server:
      finishConnect(events, plan, attempt)
    case .connecting, .waitingForDescriptors, .choosingServer:
      // Other client readiness needs no note: relaying starts by trying both sources.
      if events.contains(.error) || events.contains(.hangup) {
        // The client reset before we had a server for it.
        close(socketFailure(errno: Socket.pendingError(client), onClientSide: true))
      }
    case .relaying(let relay), .forwardingAfterReset(let relay, _, _):
      noteReadiness(events, fd: fd, in: relay)
      pumpBoth()
    }
  }

  /// Sets the directions' readiness flags from an event; an error or hang-up sets them all, so
  /// that the next call discovers it.
  private func noteReadiness(_ events: EpollEvents, fd: Int32, in relay: Relay) {
    let failed = events.contains(.error) || events.contains(.hangup)
    let readable = failed || events.contains(.readable) || events.contains(.readHangup)
    let writable = failed || events.contains(.writable)
    if fd == client {
      if readable { relay.toServer.sourceReadable = true }
      if writable { relay.toClient.destinationWritable = true }
    } else {
      if readable { relay.toClient.sourceReadable = true }
      if writable { relay.toServer.destinationWritable = true }
    }
  }

  /// Remembers that `fd` reported urgent data, for the direction that reads it: edge-triggered
  /// epoll reports it once, possibly before relaying starts.
  private func noteUrgentData(on fd: Int32) {
    let fromClient = fd == client
    if fromClient { urgentFromClient = true } else { urgentFromServer = true }
    phase.relay?[fromClient ? .toServer : .toClient].urgentSignalled = true
  }

  func runDeferred() {
    deferredRunQueued = false
    switch phase {
    case .relaying, .forwardingAfterReset: pumpBoth()
    default: break
    }
  }

  func timerFired(now: UInt64) {
    switch phase {
    case .readingProxyHeader:
      close(.proxyHeaderTimeout)
    case .inspecting:
      inspectionFailed(.timeout)
    case .queued(let plan):
      queueTimedOut(plan)
    case .connecting(let plan, let attempt):
      connectFailed(plan, attempt, errno: ETIMEDOUT)
    case .waitingForDescriptors(let plan, let since):
      // Waiting for a descriptor counts against the connect timeout, so it is bounded too.
      if now &- since >= worker.timeouts.connect {
        close(.resources)
      } else {
        phase = .choosingServer
        connectNextServer(plan, descriptorWaitSince: since)
      }
    case .answering:
      // A client that does not read the fallback, or does not close after it, within the
      // connect timeout is dropped; with a reset if part of the file was never handed to the
      // kernel (`close` counts that as stranded), so a cut answer never ends in a clean FIN.
      close(.noServerUp)
    case .forwardingAfterReset(_, let reason, _):
      // The reset peer's last bytes did not get out in time (the other peer does not read):
      // give up on them.
      close(reason)
    case .relaying(let relay):
      relayTimerFired(relay, now: now)
    case .choosingServer, .closed:
      break
    }
  }
}
