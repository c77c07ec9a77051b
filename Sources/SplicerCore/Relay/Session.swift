import Glibc
import Logging
import SplicerConfig
import SplicerLoop
import SplicerRouting
import SplicerSystem

/// One client connection and its upstream connection, from accept to close.
///
/// Owns both sockets (and closes them); its two `RelayDirection`s borrow them. Lives on one
/// worker's thread. The phases, each bounded by a timer:
/// - admission: the PROXY header (`accept_proxy`, header timeout), the access rules, and the
///   TLS ClientHello when routes need its server name (peeked, never consumed; inspect
///   timeout); then the route picks the pool;
/// - queued: every server that could take it is at `max_connections` (queue timeout);
/// - connecting: servers tried in turn, each attempt bounded by the connect timeout;
/// - relaying: both directions pumping, bounded by the idle timeout (after one peer reset,
///   what it had sent still goes out, then the other peer is reset);
/// - responding: no server up, the pool's fallback file goes out.
final class Session: EventHandler, TimerTarget, DeferredWork {
  enum Phase: Equatable {
    /// Reading the PROXY protocol header of an `accept_proxy` listener.
    case readingProxyHeader
    /// Peeking at the TLS ClientHello for its server name.
    case inspecting
    /// Waiting in the pool's queue for a server slot.
    case queued
    case connecting
    case relaying
    /// The server reset while the client was still sending to it: what the server had sent
    /// before its reset still goes out (`remaining` is `toClient`), without a FIN, within the
    /// connect timeout, and then the session closes with `reason`, resetting the client. An
    /// early answer (a 413 to an upload) reaches the client this way.
    case forwardingAfterReset(reason: CloseReason, remaining: RelaySide)
    /// No server is up: sending the pool's fallback file, then closing.
    case responding
    case closed
  }

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
  var phase = Phase.readingProxyHeader
  /// The pool the route chose; nil until then.
  var pool: BackendPool?
  /// The TLS server name the client asked for, when the listener inspects it.
  var serverName: String?
  /// SO_RCVLOWAT is above 1 while the rest of a ClientHello record is awaited.
  var lowWatermarkRaised = false
  var server: Int32 = -1
  var backend: Backend?
  /// The server whose `ServerLoadBoard` slot this session holds.
  var heldServerSlot: Int?
  var plan = ConnectPlan(retries: 0)
  var toServer: RelayDirection?
  var toClient: RelayDirection?
  let acceptedAt: UInt64
  var connectStartedAt: UInt64 = 0
  var connectedAt: UInt64 = 0
  var lastActivity: UInt64
  var deferredRunQueued = false
  /// When the session began waiting for a free descriptor to open its upstream socket.
  var descriptorWaitStartedAt: UInt64?
  /// When the session joined its pool's queue.
  var queuedAt: UInt64?
  /// A pick made right after leaving the queue is under way (`leftQueueToRetry`).
  var retryingFromQueue = false
  /// Urgent data was reported on the client's or the server's socket before relaying began.
  var urgentFromClient = false
  var urgentFromServer = false
  /// Bytes of the fallback file sent so far.
  var fallbackOffset = 0
  /// The fallback file has been sent in full; the session lingers for the client's EOF.
  var fallbackSent = false

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
    acceptedAt = worker.loop.now
    lastActivity = acceptedAt
  }

  /// Registers the client socket and starts admission.
  func start() {
    Socket.setNoDelay(client)
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
        close(.socketFailure(errno: Socket.pendingError(client), onClientSide: true))
      } else if events.contains(.readable) || events.contains(.readHangup) {
        admissionReadable(halfClosed: events.contains(.readHangup))
      }
    case .responding:
      respondingEvent(events)
    case .connecting:
      if fd == server {
        finishConnect(events)
      } else if events.contains(.error) || events.contains(.hangup) {
        // The client reset before we had a server for it.
        close(.socketFailure(errno: Socket.pendingError(client), onClientSide: true))
      }
    // Other client readiness needs no note: relaying starts by trying both sources.
    case .relaying, .forwardingAfterReset:
      let failed = events.contains(.error) || events.contains(.hangup)
      let readable = failed || events.contains(.readable) || events.contains(.readHangup)
      let writable = failed || events.contains(.writable)
      if fd == client {
        if readable { toServer!.sourceReadable = true }
        if writable { toClient!.destinationWritable = true }
      } else {
        if readable { toClient!.sourceReadable = true }
        if writable { toServer!.destinationWritable = true }
      }
      pumpBoth()
    }
  }

  /// Remembers that `fd` reported urgent data, for the direction that reads it: edge-triggered
  /// epoll reports it once, possibly before relaying starts.
  private func noteUrgentData(on fd: Int32) {
    if fd == client {
      urgentFromClient = true
      toServer?.urgentSignalled = true
    } else {
      urgentFromServer = true
      toClient?.urgentSignalled = true
    }
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
    case .queued:
      queueTimedOut()
    case .connecting:
      if let waitStarted = descriptorWaitStartedAt {
        // Waiting for a descriptor counts against the connect timeout, so it is bounded too.
        if now &- waitStarted >= worker.timeouts.connect {
          close(.resources)
        } else {
          connectNextServer()
        }
      } else {
        connectFailed(errno: ETIMEDOUT)
      }
    case .responding:
      // A client that does not read the fallback, or does not close after it, within the
      // connect timeout is dropped; with a reset if part of the file was never handed to the
      // kernel (`close` counts that as stranded), so a cut answer never ends in a clean FIN.
      close(.noServerUp)
    case .forwardingAfterReset(let reason, _):
      // The reset peer's last bytes did not get out in time (the other peer does not read):
      // give up on them.
      close(reason)
    case .relaying:
      let idle = worker.timeouts.idle
      if now &- lastActivity >= idle {
        close(.idleTimeout)
      } else {
        worker.loop.schedule(self, at: lastActivity &+ idle)
      }
    case .closed:
      break
    }
  }
}
