import SplicerLoop
import SplicerRouting
import SplicerSystem

/// Server choice and the pool queues: the worker keeps each pool's balancer state and its
/// queued sessions; server load and health come from the boards all workers share.
extension Worker {
  /// The next server for a session, by the pool's algorithm, skipping servers that are down,
  /// draining, unresolved or full.
  func nextServer(_ plan: inout ConnectPlan, pool: BackendPool, client: SocketAddress) -> ConnectPlan.Step {
    let key = ObjectIdentifier(pool)
    var balancer =
      balancers.removeValue(forKey: key)
      ?? PoolBalancer(algorithm: pool.algorithm, servers: pool.balancedServers, seed: UInt64(index) &+ 1)
    defer { balancers[key] = balancer }
    let health = self.health
    let load = self.serverLoad
    let servers = pool.servers
    let clientKey = pool.algorithm == .sourceHash ? PoolBalancer.clientKey(client) : 0
    return plan.next(balancer: &balancer, clientKey: clientKey) { index in
      let server = servers[index]
      if server.draining || !health.isUp(server.id) || server.currentAddress == nil { return .unavailable }
      let open = load.connections(server.id)
      if let limit = server.maxConnections, open >= limit { return .full }
      return .available(activeConnections: open)
    }
  }

  /// Whether a pick could choose a server of the pool now (the tier in use has one with a free
  /// slot). Asked by a session right after it joined the queue: a slot freed between its pick
  /// and its joining found no queued session to wake, and would otherwise stay unused until
  /// the queue timeout. The eligibility is `nextServer`'s, read in order with the queue count.
  func poolHasFreeServer(_ pool: BackendPool) -> Bool {
    let health = self.health
    let load = self.serverLoad
    let servers = pool.servers
    return PoolBalancer.tierInUseHasRoom(servers: pool.balancedServers) { index in
      let server = servers[index]
      if server.draining || !health.isUp(server.id) || server.currentAddress == nil { return .unavailable }
      let open = load.connectionsSeenByQueue(server.id)
      if let limit = server.maxConnections, open >= limit { return .full }
      return .available(activeConnections: open)
    }
  }

  // MARK: Queues

  /// Adds a session to the pool's queue, unless the queue (counted across workers) is full.
  func joinQueue(_ session: Session, of pool: BackendPool, atFront: Bool) -> Bool {
    guard pool.reserveQueuePlace() else { return false }
    let key = ObjectIdentifier(pool)
    if atFront {
      queues[key, default: []].insert(session, at: 0)
    } else {
      queues[key, default: []].append(session)
    }
    return true
  }

  /// Takes a session out of its pool's queue (it timed out or closed).
  func leaveQueue(_ session: Session) {
    guard let pool = session.pool else { return }
    let key = ObjectIdentifier(pool)
    guard let position = queues[key]?.firstIndex(where: { $0 === session }) else { return }
    queues[key]!.remove(at: position)
    if queues[key]!.isEmpty { queues[key] = nil }
    pool.releaseQueuePlace()
  }

  /// A server slot of `pool` came free. Sessions queued here are woken from the loop (not
  /// from inside the closing session's call stack), one per freed slot; if none wait here but
  /// some wait on other workers, they are told.
  func serverSlotFreed(in pool: BackendPool, fromSibling: Bool = false) {
    guard pool.queuedSessions > 0 else { return }
    let key = ObjectIdentifier(pool)
    guard queues[key] != nil else {
      if !fromSibling {
        for sibling in siblings where sibling.worker !== self { sibling.worker.post(.serviceQueue(pool)) }
      }
      return
    }
    freedSlots[key, default: (pool, 0)].count += 1
    if !queueRunScheduled {
      queueRunScheduled = true
      loop.runSoon(QueueRunner(worker: self))
    }
  }

  /// Wakes one queued session per freed slot, oldest first.
  func runQueues() {
    queueRunScheduled = false
    let freed = freedSlots
    freedSlots.removeAll()
    for (key, entry) in freed {
      for _ in 0..<entry.count {
        guard var queue = queues[key], !queue.isEmpty else { break }
        let session = queue.removeFirst()
        queues[key] = queue.isEmpty ? nil : queue
        entry.pool.releaseQueuePlace()
        session.leftQueue()
      }
    }
  }
}

/// Runs `Worker.runQueues` as deferred work on the worker's loop.
private final class QueueRunner: DeferredWork {
  unowned let worker: Worker

  init(worker: Worker) {
    self.worker = worker
  }

  func runDeferred() {
    worker.runQueues()
  }
}
