import SplicerRouting
import SplicerSystem

/// A request to a worker: reloads and drains come from the main thread, `serviceQueue` and
/// `capacityFreed` from the other workers.
enum WorkerCommand: @unchecked Sendable {
  /// A reload: new routing for new connections, new and removed listeners.
  case reconfigure(WorkerUpdate)
  /// Graceful stop: close the listeners, finish the open sessions, then end the loop.
  case drain
  /// A server slot of the pool came free on another worker: a session queued here may take it.
  case serviceQueue(BackendPool)
  /// A listener limit that was full has room again: resume listeners paused on it.
  case capacityFreed(ListenerLimit)

  /// Closes the listening sockets the command hands over, for a worker that can no longer
  /// adopt them.
  func closeOwnedSockets() {
    if case .reconfigure(let update) = self {
      for (fd, _) in update.added { Socket.close(fd) }
    }
  }
}
