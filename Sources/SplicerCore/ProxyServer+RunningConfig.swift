import SplicerConfig
import SplicerSystem

/// The old process's half of `RunningConfig` (design §4.3): every live config generation and
/// the counter layout, as plain values.
extension ProxyServer {
  /// The live generations, oldest first (the running one last), this proxy's worker count
  /// and its `StatsLayout`'s rows and capacities.
  ///
  /// - Parameter descriptorTotal: every descriptor the handover will send, counted by the
  ///   caller once the workers are known (listeners, sessions, mirrors).
  public func runningConfigRecord(descriptorTotal: UInt32) -> RunningConfigRecord {
    let layout = state.layout
    return RunningConfigRecord(
      generations: liveGenerations.map(RunningConfigRecord.Generation.init),
      workers: UInt16(workers.count), listenerRows: layout.listeners,
      serverRows: layout.servers.map { ServerKeyRecord(pool: $0.pool, address: $0.server) },
      listenerCapacity: UInt32(layout.listenerCapacity), serverCapacity: UInt32(layout.serverCapacity),
      descriptorTotal: descriptorTotal)
  }

  /// The last good answer for every host name the servers use, keyed `host:port`; the new
  /// process seeds its resolver with them (`init(adopting:)`).
  public var resolverAnswers: [String: [SocketAddress]] { resolver.answers }
}

extension RunningConfigRecord.Generation {
  /// `generation`'s number, source and discovered sets, pools in name order.
  public init(_ generation: ConfigGeneration) {
    self.init(
      number: generation.number, path: generation.source.path, yaml: generation.source.bytes,
      discovered: generation.discovered.sorted { $0.key < $1.key }.map { pool, servers in
        RunningConfigRecord.DiscoveredPool(
          pool: pool,
          servers: servers.map {
            RunningConfigRecord.DiscoveredPool.Server(
              address: $0.address.description, weight: UInt16(clamping: $0.weight), backup: $0.backup,
              drain: $0.drain, maxConnections: $0.maxConnections.map { UInt32(clamping: $0) })
          })
      })
  }
}
