import SplicerConfig
import SplicerRouting

/// A connected session's relay: what `Session.Phase.relaying` and `.forwardingAfterReset`
/// own.
///
/// A class, so that the phase holds a reference: as a struct, the two directions were copied
/// out of the phase enum and back on every event, which callgrind counted at about 5,000
/// instructions per keep-alive request (value-witness copies, retains and a memcpy).
///
/// Owns the upstream socket (taken over from the `ConnectAttempt`; the session closes it) and
/// the server's `ServerLoadBoard` slot, given back when the session closes. The two
/// directions borrow the client socket from the session and the server socket from here, and
/// each owns the pipe or buffer it leases while bytes are in flight.
final class Relay {
  /// The upstream socket.
  let server: Int32
  /// The server connected to; its slot is `backend.id` on the `ServerLoadBoard`.
  let backend: Backend
  // Unchecked exclusivity: only the worker's thread touches a relay, and no access to a
  // direction overlaps another; the runtime check cost about 1,000 instructions per request.
  /// Client to server.
  @exclusivity(unchecked) var toServer: RelayDirection
  /// Server to client.
  @exclusivity(unchecked) var toClient: RelayDirection
  /// When a byte last moved either way: the idle timer compares against it, so that moving
  /// bytes needs no timer operation.
  var lastActivity: UInt64
  /// The pacing caps the two sockets have (`Session+Pacing`).
  var paced = PacedRates.unlimited
  /// The copy of the client's bytes for a shadow server (`Session+Mirroring`); the relay owns
  /// it, and `toServer` hands it each fill.
  var mirror: Mirror? {
    didSet { toServer.mirror = mirror }
  }

  /// Takes over a connected attempt's socket and slot.
  init(
    client: Int32, attempt: ConnectAttempt, mode: RelayMode, urgentFromClient: Bool, urgentFromServer: Bool,
    serverReadable: Bool, now: UInt64
  ) {
    server = attempt.server
    backend = attempt.backend
    toServer = RelayDirection(source: client, destination: server, mode: mode)
    toClient = RelayDirection(source: server, destination: client, mode: mode)
    // A fresh connection can take bytes, and its writable edge may already have been consumed.
    toServer.destinationWritable = true
    toClient.destinationWritable = true
    // The client counts as readable: it may have sent before the upstream existed, and the
    // edge that said so was taken in an earlier phase; edge-triggered readiness would not
    // report it again, so a false start would stall the session until the idle timeout. The
    // server is readable only when the report that completed the connect said so (a server
    // that speaks first, like SMTP, SSH or MySQL, may have sent its greeting by then); bytes
    // that come later raise an edge of their own. That spares the EAGAIN of a read on a
    // server that waits for the request, one system call per connection.
    toServer.sourceReadable = true
    toClient.sourceReadable = serverReadable
    toServer.urgentSignalled = urgentFromClient
    toClient.urgentSignalled = urgentFromServer
    lastActivity = now
  }

  /// Bytes relayed so far, client to server and server to client.
  var bytesRelayed: (toServer: UInt64, toClient: UInt64) { (toServer.bytesRelayed, toClient.bytesRelayed) }

  /// Whether bytes read from either peer still wait to be written.
  var hasPendingBytes: Bool { toServer.hasPendingBytes || toClient.hasPendingBytes }

  /// Gives back both directions' pipes and buffers (a pipe with bytes left in it is closed).
  /// `aborted`: the session ends with a reset, so its mirror must not pass the client's cut
  /// stream off as complete either.
  func release(_ resources: RelayResources, aborted: Bool) {
    mirror?.close(resources, sessionAborted: aborted)
    toServer.release(resources)
    toClient.release(resources)
  }

  /// The direction named by `side`.
  subscript(side: RelaySide) -> RelayDirection {
    get { side == .toServer ? toServer : toClient }
    set {
      if side == .toServer { toServer = newValue } else { toClient = newValue }
    }
  }
}
