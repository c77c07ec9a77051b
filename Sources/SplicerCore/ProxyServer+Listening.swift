import Logging
import SplicerConfig
import SplicerSystem

/// Giving every worker its listening sockets at start: bound here, inherited from the service
/// manager, or adopted from the process a live upgrade takes over from.
extension ProxyServer {
  /// The listeners with their addresses, and the sockets `start` is to register (adopted
  /// ones); bound and inherited sockets are registered with the workers here.
  ///
  /// A failed bind ends start-up; the process exits, which closes what was bound before it.
  static func setUpListeners(
    _ listeners: [ListenerConfig], contexts: [ListenerContext], workers: [Worker], sockets: ListenerSockets,
    logger: Logger
  ) throws -> (bound: [BoundListener], pending: [PendingListener]) {
    switch sockets {
    case .bind(let inherited):
      return (try bind(listeners, contexts: contexts, workers: workers, inherited: inherited, logger: logger), [])
    case .adopt(let records, let descriptors):
      return try adopt(
        listeners, contexts: contexts, workerCount: workers.count, records: records, descriptors: descriptors)
    }
  }

  private static func bind(
    _ listeners: [ListenerConfig], contexts: [ListenerContext], workers: [Worker], inherited: [String: Int32],
    logger: Logger
  ) throws -> [BoundListener] {
    var bound: [BoundListener] = []
    for (listener, context) in zip(listeners, contexts) {
      if let fd = inherited[listener.name] {
        let address = try Socket.localAddress(fd)
        for (index, worker) in workers.enumerated() {
          try worker.addListener(fd: index == 0 ? fd : try Socket.duplicate(fd), context: context, shared: true)
        }
        bound.append(BoundListener(name: listener.name, address: address))
        logger.notice(
          "listener inherited from the service manager",
          metadata: ["listener": "\(listener.name)", "address": "\(address)", "config_bind": "\(listener.bind)"])
        continue
      }
      let sockets = try bindAll(listener, workerCount: workers.count)
      for (worker, fd) in zip(workers, sockets.fds) {
        try worker.addListener(fd: fd, context: context)
      }
      bound.append(BoundListener(name: listener.name, address: sockets.address))
    }
    for (name, fd) in inherited where !listeners.contains(where: { $0.name == name }) {
      logger.warning(
        "the service manager passed a socket no listener is named after; closing it", metadata: ["name": "\(name)"])
      Socket.close(fd)
    }
    return bound
  }

  /// Matches the records to the listeners by name; nothing touches the sockets (design §3.2:
  /// no kernel state changes before the commit). Throws when a listener has no record, or a
  /// record not one socket per worker or a reference outside `descriptors`, or a record
  /// names no listener.
  private static func adopt(
    _ listeners: [ListenerConfig], contexts: [ListenerContext], workerCount: Int, records: [ListenerRecord],
    descriptors: [Int32]
  ) throws -> (bound: [BoundListener], pending: [PendingListener]) {
    var bound: [BoundListener] = []
    var pending: [PendingListener] = []
    for (listener, context) in zip(listeners, contexts) {
      guard let record = records.first(where: { !$0.isAdmin && $0.name == listener.name }) else {
        throw ProxyStartError(message: "listener \(listener.name): the old process passed no socket for it")
      }
      guard record.sockets.count == workerCount, record.sockets.allSatisfy({ Int($0) < descriptors.count }) else {
        throw ProxyStartError(
          message: "listener \(listener.name): \(record.sockets.count) sockets passed for \(workerCount) workers")
      }
      for (worker, reference) in record.sockets.enumerated() {
        pending.append(
          PendingListener(worker: worker, fd: descriptors[Int(reference)], context: context, shared: record.activated))
      }
      bound.append(BoundListener(name: listener.name, address: record.boundAddress))
    }
    // A socket no listener takes would be left to the caller, never served: the records did
    // not come from this config.
    if let stray = records.first(where: { record in !record.isAdmin && !listeners.contains { $0.name == record.name } })
    {
      throw ProxyStartError(message: "listener \(stray.name): passed by the old process, but not in its running config")
    }
    return (bound, pending)
  }
}
