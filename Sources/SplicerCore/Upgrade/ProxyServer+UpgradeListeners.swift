import Glibc
import SplicerSystem

/// The old process's `Listeners` message (design §5.2): every worker's listening socket of
/// every listener, and the admin socket, as records with their descriptors.
extension ProxyServer {
  /// Asks every worker for its listening sockets and builds one record per listener (one
  /// socket per worker, in worker order) plus the admin socket's; nil when a worker did not
  /// answer within `timeout` or the workers disagree on a listener (a reload in flight).
  public func listenerRecords(adminSocket: Int32?, timeout: Duration) -> [DescriptorBatcher.Item<ListenerRecord>]? {
    let reports = PthreadLocked<[Int: [WorkerListenerSocket]]>([:])
    for worker in workers {
      let index = worker.index
      worker.post(.reportListeners { sockets in reports.withLock { $0[index] = sockets } })
    }
    let deadline = MonotonicClock.now() &+ timeout.nanoseconds
    while reports.withLock({ $0.count }) < workers.count {
      if MonotonicClock.now() >= deadline { return nil }
      usleep(200)
    }
    let byWorker = reports.withLock { $0 }
    let state = self.state
    var items: [DescriptorBatcher.Item<ListenerRecord>] = []
    for config in state.configuration.listeners {
      let sockets = (0..<workers.count).compactMap { index in byWorker[index]?.first { $0.name == config.name } }
      guard sockets.count == workers.count,
        let bound = state.boundListeners.first(where: { $0.name == config.name })
      else { return nil }
      let record = ListenerRecord(
        name: config.name, generation: UInt32(clamping: sockets[0].generation), bind: "\(config.bind)",
        backlog: UInt32(clamping: config.backlog), boundAddress: bound.address, activated: sockets[0].shared,
        sockets: sockets.indices.map { UInt16($0) })
      items.append(.init(record: record, descriptors: sockets.map(\.fd)))
    }
    if let adminSocket, let address = try? Socket.localAddress(adminSocket) {
      let record = ListenerRecord(
        name: "admin", generation: 0, bind: "\(address)", backlog: 64, boundAddress: address, isAdmin: true,
        sockets: [0])
      items.append(.init(record: record, descriptors: [adminSocket]))
    }
    return items
  }
}
