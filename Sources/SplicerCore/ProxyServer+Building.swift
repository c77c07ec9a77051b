import Glibc
import SplicerConfig
import SplicerHealth
import SplicerRouting
import SplicerSystem

/// The pieces start-up and reload both build a running configuration from: the routing table,
/// the fallback files, one `ListenerContext` per listener and its bound sockets.
extension ProxyServer {
  /// The routing table of `configuration`, its servers' counter rows taken from `layout`.
  static func routingTable(
    for configuration: Configuration, layout: inout StatsLayout, resolved: [String: ResolvedAddress]
  ) throws -> RoutingTable {
    var ids: [String: [Int]] = [:]
    for pool in configuration.pools {
      ids[pool.name] = try pool.servers.map { server in
        guard let row = layout.serverRow(pool: pool.name, server: server.address.description) else {
          throw ProxyStartError(
            message:
              "the config names more servers than this process can count (\(layout.serverCapacity)); restart instead")
        }
        return row
      }
    }
    return RoutingTable(configuration: configuration, serverIDs: ids, resolved: resolved)
  }

  /// The `when_all_down` files of the config's pools, opened for sendfile, by pool name.
  static func openFallbacks(_ configuration: Configuration) throws -> [String: FallbackFile] {
    var files: [String: FallbackFile] = [:]
    for pool in configuration.pools {
      guard case .respondFile(let path) = pool.whenAllDown else { continue }
      do {
        files[pool.name] = try FallbackFile(path: path)
      } catch {
        throw ProxyStartError(message: "pool \(pool.name): when_all_down: \(error)")
      }
    }
    return files
  }

  /// - Parameter limits: the `max_connections` counters by listener name; a listener that
  ///   has one keeps it (with the new maximum), so connections open across a reload count.
  static func context(
    for listener: ListenerConfig, routing: RoutingTable, fallbacks: [String: FallbackFile],
    limits: inout [String: ListenerLimit], layout: inout StatsLayout, generation: ConfigGeneration
  ) throws -> ListenerContext {
    guard let routes = routing.routes(forListener: listener.name) else {
      preconditionFailure("routing table without listener \(listener.name)")
    }
    guard let row = layout.listenerRow(listener.name) else {
      throw ProxyStartError(
        message:
          "the config names more listeners than this process can count (\(layout.listenerCapacity)); restart instead")
    }
    // A listener that stays keeps its count; its new maximum is set once the reload succeeds.
    let limit = limits[listener.name] ?? ListenerLimit(maximum: listener.maxConnections)
    limits[listener.name] = limit
    return ListenerContext(
      name: listener.name, counterRow: row, mode: listener.mode, routes: routes, acceptProxy: listener.acceptProxy,
      inspect: listener.inspect, limit: limit, fallbacks: fallbacks,
      clientKeepalive: listener.clientKeepalive.map(KeepaliveProbes.init),
      maxLifetime: listener.maxLifetime?.nanoseconds, rateLimit: listener.rateLimit,
      mirror: listener.mirror.flatMap { mirror in
        routing.pools[mirror.pool].map { MirrorTarget(pool: $0, samplePercent: mirror.samplePercent) }
      }, generation: generation)
  }

  /// Binds one socket per worker on the listener's address.
  ///
  /// With port 0 the first bind picks the port and the others reuse it, so that all workers
  /// share one SO_REUSEPORT group. On failure every socket bound so far is closed.
  /// - Parameter probe: first check that no other socket listens there (skipped when the
  ///   address is one this proxy already holds, e.g. a listener renamed by a reload).
  static func bindAll(_ listener: ListenerConfig, workerCount: Int, probe: Bool = true) throws -> (
    fds: [Int32], address: SocketAddress
  ) {
    guard var address = SocketAddress(ip: listener.bind.host, port: listener.bind.port) else {
      preconditionFailure("config loader let through an unparsable bind address")
    }
    var fds: [Int32] = []
    do {
      if address.port != 0 && probe {
        // SO_REUSEPORT would let this process silently join another's listening group on the
        // same address (the kernel then splits the connections between them); a plain bind
        // first turns that into "address in use".
        try Socket.checkAvailable(address)
      }
      for _ in 0..<workerCount {
        let fd = try Socket.listen(on: address, reusePort: true, backlog: Int32(listener.backlog))
        fds.append(fd)
        if address.port == 0 {
          address = try Socket.localAddress(fd)
        }
      }
    } catch {
      for fd in fds { Socket.close(fd) }
      var message = "listener \(listener.name): \(error)"
      if error.errno == EACCES && address.port < 1024 {
        message +=
          "; binding a port below 1024 needs root or CAP_NET_BIND_SERVICE"
          + " (after start, only with keep_bind_capability: true)"
      }
      throw ProxyStartError(message: message)
    }
    return (fds, address)
  }
}
