import SplicerConfig
import SplicerRouting
import SplicerSystem

/// The reload executor: performs a `ReloadPlan` on the running proxy. The plan decides; this
/// binds, hands limits over, refreshes host names and tells the workers.
extension ProxyServer {
  /// Applies a validated configuration to new connections without touching open ones.
  ///
  /// New listeners are bound first; if any bind fails, nothing changes and the error is
  /// thrown. Then each worker swaps in the new routing at its next wake-up: listeners that
  /// keep their address keep their sockets (no connection in their backlog is lost), removed
  /// or moved ones close. `workers` and `tuning` apply only at start and are reported in
  /// `ignored`.
  ///
  /// - Parameter generation: the configuration with where it was loaded from; the new
  ///   listener contexts hold it, and it is listed in `liveGenerations` from then on.
  public func reload(to generation: ConfigGeneration) throws -> ReloadSummary {
    let prepared = try prepareReload(to: generation)
    let summary = prepared.summary
    commitReload(prepared)
    return summary
  }

  /// The build half of `reload(to:)`: binds, opens and builds everything the reload needs
  /// and changes nothing that the running proxy serves with. On failure, what it bound is
  /// closed and the error thrown. Follow with `commitReload` or `abandonReload`, with no
  /// other reload in between.
  public func prepareReload(to generation: ConfigGeneration) throws -> PreparedReload {
    let running = state
    let plan = ReloadPlan(from: running.configuration, to: generation.configuration)
    let configuration = plan.configuration
    var layout = running.layout
    var limits = self.limits
    // A renamed listener's count goes with its sockets: its open connections are the ones the
    // new name's limit must count, and their closes must wake the listener that now accepts
    // on those sockets. On a local copy, so that a failed reload hands nothing over.
    for (oldName, newName) in plan.renamed {
      limits[newName] = limits.removeValue(forKey: oldName)
    }
    let resolved = resolver.prepare(plan.hostNames)
    let configs = Dictionary(uniqueKeysWithValues: configuration.listeners.map { ($0.name, $0) })
    var contexts: [String: ListenerContext] = [:]
    var bound: [BoundListener] = []
    var newSockets: [(fds: [Int32], context: ListenerContext, address: SocketAddress)] = []
    let routing: RoutingTable
    do {
      routing = try Self.routingTable(for: configuration, layout: &layout, resolved: resolved)
      let fallbacks = try Self.openFallbacks(configuration)
      for change in plan.listeners {
        guard let name = change.newName, let listener = configs[name] else { continue }
        let context = try Self.context(
          for: listener, routing: routing, fallbacks: fallbacks, limits: &limits, layout: &layout,
          generation: generation)
        contexts[name] = context
        switch change {
        case .keep, .rename:
          bound.append(BoundListener(name: name, address: running.address(of: change.carriesSocketsOf)))
        case .rebind(_, let probe), .add(_, let probe):
          let sockets = try Self.bindAll(listener, workerCount: workers.count, probe: probe)
          newSockets.append((sockets.fds, context, sockets.address))
          bound.append(BoundListener(name: name, address: sockets.address))
        case .remove:
          break
        }
      }
    } catch {
      // Nothing may change when a reload fails: close what it bound, and go back to
      // refreshing the names the running configuration uses.
      for sockets in newSockets { for fd in sockets.fds { Socket.close(fd) } }
      _ = resolver.prepare(plan.runningHostNames)
      throw error
    }
    return PreparedReload(
      plan: plan, generation: generation, over: running.generation, layout: layout, limits: limits, routing: routing,
      contexts: contexts, bound: bound, newSockets: newSockets)
  }

  /// Gives up a prepared reload: closes the sockets it bound and goes back to refreshing the
  /// running configuration's host names. The running proxy is as before the preparation.
  public func abandonReload(_ prepared: consuming PreparedReload) {
    for sockets in prepared.newSockets { for fd in sockets.fds { Socket.close(fd) } }
    _ = resolver.prepare(prepared.plan.runningHostNames)
  }

  /// The commit half of `reload(to:)`, which cannot fail: the limits, the workers' updates,
  /// the published state and the health checker.
  public func commitReload(_ prepared: consuming PreparedReload) {
    precondition(state.generation === prepared.over, "a reload committed over another than it was built over")
    let configuration = prepared.plan.configuration
    let limits = prepared.limits
    // The new maxima only now that nothing can fail: a failed reload leaves every limit as it
    // was. A kept listener paused at a limit that rose looks again in `Worker.apply`.
    for listener in configuration.listeners { limits[listener.name]?.setMaximum(listener.maxConnections) }
    self.limits = limits

    let latency = LatencyRecorders(layout: prepared.layout)
    for (index, worker) in workers.enumerated() {
      worker.post(
        .reconfigure(
          WorkerUpdate(
            contexts: prepared.contexts, rebound: prepared.plan.rebound, renamed: prepared.plan.renamed,
            added: prepared.newSockets.map { ($0.fds[index], $0.context) }, timeouts: configuration.timeouts,
            accessLog: configuration.log.accessLog, latency: latency)))
    }
    let generation = prepared.generation
    let state = State(
      configuration: configuration, routing: prepared.routing, boundListeners: prepared.bound,
      layout: prepared.layout, generation: generation)
    published.withLock { $0 = state }
    generations.add(generation)
    checker.reconfigure(routing: prepared.routing, pools: configuration.pools)
    for sockets in prepared.newSockets {
      logger.notice(
        "listener bound", metadata: ["listener": "\(sockets.context.name)", "address": "\(sockets.address)"])
    }
  }
}

extension ProxyServer.State {
  /// The address the running listener `name` is bound to.
  ///
  /// Every listener of `configuration` is in `boundListeners` (start-up and reload bind or
  /// carry over each one, or fail), so a name the plan carries over is always there.
  fileprivate func address(of name: String?) -> SocketAddress {
    guard let address = boundListeners.first(where: { $0.name == name })?.address else {
      preconditionFailure("running listener \(name ?? "nil") without sockets")
    }
    return address
  }
}
