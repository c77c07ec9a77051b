import SplicerRouting
import SplicerSystem

/// A request to a worker: reloads, drains, freezes and resumes come from the main thread,
/// `serviceQueue` and `capacityFreed` from the other workers.
enum WorkerCommand: @unchecked Sendable {
  /// A reload: new routing for new connections, new and removed listeners.
  case reconfigure(WorkerUpdate)
  /// Graceful stop: close the listeners, finish the open sessions, then end the loop.
  case drain
  /// A server slot of the pool came free on another worker: a session queued here may take it.
  case serviceQueue(BackendPool)
  /// A listener limit that was full has room again: resume listeners paused on it.
  case capacityFreed(ListenerLimit)
  /// Live upgrade: at the end of the current turn, stop watching every listener, session and
  /// mirror and cancel their timers, keeping every socket open and every deadline, then
  /// report to the `UpgradeFreeze` (`Worker+Freezing`). Nothing posts it yet.
  case freeze(UpgradeFreeze)
  /// Undoes a freeze at the end of the current turn: everything frozen carries on where it
  /// stopped, each timer at its original deadline. Ignored by a worker that is not frozen.
  case resume
  /// Undoes a freeze for the listeners only: every frozen session and mirror is closed with a
  /// reset (a live upgrade whose new process died after taking them over).
  case resumeClosingSessions
  /// A live upgrade committed: a frozen worker closes its copies of every session's and
  /// mirror's descriptors (`Worker.relinquishAll`), then calls the closure, on its thread.
  case relinquish(@Sendable () -> Void)
  /// A live upgrade's `Listeners` message: the worker reports its listening sockets, on its
  /// thread (the main thread does not keep them: reloads swap them on the workers).
  case reportListeners(@Sendable ([WorkerListenerSocket]) -> Void)

  /// Closes the listening sockets the command hands over, for a worker that can no longer
  /// adopt them.
  func closeOwnedSockets() {
    if case .reconfigure(let update) = self {
      for (fd, _) in update.added { Socket.close(fd) }
    }
  }
}
