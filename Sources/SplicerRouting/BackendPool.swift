import SplicerConfig
import SplicerSystem

/// One upstream server, with its address already in kernel form.
public struct Backend: Sendable, Hashable {
  /// Position in the pool; stable for the life of the routing table.
  public let index: Int
  /// Position across all pools of the routing table, for per-server counters.
  public let id: Int
  public let endpoint: Endpoint
  public let address: SocketAddress
  /// Configured as draining: no new connections.
  public let draining: Bool

  public init(index: Int, id: Int, endpoint: Endpoint, draining: Bool = false) {
    self.index = index
    self.id = id
    self.draining = draining
    self.endpoint = endpoint
    // The config loader accepted the endpoint only after inet_pton did, so this cannot fail.
    guard let address = SocketAddress(ip: endpoint.host, port: endpoint.port) else {
      preconditionFailure("config loader let through an unparsable address \(endpoint)")
    }
    self.address = address
  }
}

/// A named set of servers and how many of them one connection may try.
public final class BackendPool: Sendable {
  public let name: String
  public let servers: [Backend]
  /// Further servers a connection may try after a failed connect.
  public let retries: Int
  /// Passive checks: consecutive connect failures that take a server down; nil: off.
  public let observeFailures: Int?
  public let whenAllDown: WhenAllDown

  /// - Parameter ids: the `Backend.id` of each server, in order; by default 0, 1, 2, …
  public init(config: PoolConfig, ids: [Int]? = nil) {
    name = config.name
    servers = config.servers.enumerated().map {
      Backend(
        index: $0.offset, id: ids?[$0.offset] ?? $0.offset, endpoint: $0.element.address, draining: $0.element.drain)
    }
    retries = config.retries
    observeFailures = config.observe?.failures
    whenAllDown = config.whenAllDown
  }

  public init(name: String, servers: [Backend], retries: Int) {
    self.name = name
    self.servers = servers
    self.retries = retries
    observeFailures = nil
    whenAllDown = .close
  }
}
