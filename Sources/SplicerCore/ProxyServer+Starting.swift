import SplicerSystem

/// Starting the proxy: `start` at once, or in the two halves a live upgrade's new process
/// needs (design live-upgrade.md §3.3): `prepareStart` makes every thread before the commit,
/// where a failure is still a refusal the old process rolls back from; `launch` runs them after
/// it, and has one step left that can fail, the registration of the listening sockets (no
/// received descriptor may be registered before the commit).
extension ProxyServer {
  /// Starts one thread per worker, the health checker's and the resolver's.
  public func start() throws {
    try prepareStart()
    try launch()
  }

  /// Creates every thread `launch` runs (the workers', the health checker's, the resolver's),
  /// each waiting at its gate. Registers nothing and runs nothing: the received descriptors
  /// are untouched. On failure, the threads made so far end unrun and the error is thrown.
  public func prepareStart() throws {
    precondition(threads.isEmpty && preparedThreads.isEmpty, "the proxy started twice")
    do {
      for worker in workers {
        preparedThreads.append(try PreparedThread(name: "splicer-w\(worker.index)") { worker.run() })
      }
      let current = state
      try checker.prepareStart(routing: current.routing, pools: current.configuration.pools)
      try resolver.prepareStart()
    } catch {
      cancelPreparedStart()
      throw error
    }
  }

  /// Registers the listening sockets with their workers, then lets every prepared thread
  /// run. Only the registration can fail (`epoll_ctl`: out of kernel memory or of
  /// `max_user_watches`); then no thread has run, they end unrun, and the error is thrown.
  /// After a live upgrade's commit (`Worker.commitAdoption` for every worker, before this),
  /// each worker's thread registers its adopted sessions before its first turn.
  public func launch() throws(SyscallError) {
    do throws(SyscallError) {
      for pending in pendingListeners {
        try workers[pending.worker].addListener(fd: pending.fd, context: pending.context, shared: pending.shared)
      }
    } catch {
      cancelPreparedStart()
      throw error
    }
    pendingListeners.removeAll()
    threads += preparedThreads.map { $0.launch() }
    preparedThreads.removeAll()
    checker.launch()
    resolver.launch()
    for listener in state.boundListeners {
      logger.notice(
        "listener bound",
        metadata: ["listener": "\(listener.name)", "address": "\(listener.address)", "workers": "\(workers.count)"])
    }
  }

  /// Ends the prepared threads unrun (a failed start, or a stop before the launch).
  func cancelPreparedStart() {
    for thread in preparedThreads { thread.cancel() }
    preparedThreads.removeAll()
    checker.stop()
    resolver.stop()
  }
}
