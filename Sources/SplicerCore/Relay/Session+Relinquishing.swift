import Glibc

/// Letting go of a frozen session once a live upgrade has committed (design §8.2 step 1):
/// the new process owns its sockets and pipes now, and this process only closes its copies.
extension Session {
  /// Closes this process's copies of the session's descriptors with a plain `close`, and
  /// marks it closed. Never `close(_:)`: that sets SO_LINGER for aborting reasons and shuts
  /// sockets down, and an option or a shutdown acts on the socket both processes share, so
  /// it would reset the new process's connection. No access-log line, no count, no slot
  /// released: the old boards die with the process. The fallback file is not closed here
  /// (the listener's context owns it). Only on a frozen worker: nothing is registered.
  func relinquish() {
    if phase.isClosed { return }
    let relay = phase.relay
    let upstream = phase.upstream
    phase = .closed
    Glibc.close(client)
    if let upstream { Glibc.close(upstream.server) }
    if let relay {
      for pipe in [relay.toServer.pendingPipe, relay.toClient.pendingPipe].compactMap({ $0 }) {
        Glibc.close(pipe.readEnd)
        Glibc.close(pipe.writeEnd)
      }
      relay.mirror?.relinquish()
    }
    worker.sessionClosed(self)
  }
}
