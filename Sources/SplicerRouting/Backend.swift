import SplicerConfig
import SplicerSystem

/// One upstream server of a pool: where it is, and what the balancer and limits need.
///
/// Immutable, built with the `RoutingTable`; only a host name's addresses change, inside the
/// shared `ResolvedAddress`.
public struct Backend: Sendable {
  /// Position in the pool; stable for the life of the routing table.
  public let index: Int
  /// Position across all pools of the routing table, for per-server counters and boards.
  public let id: Int
  public let address: ServerAddress
  /// The address as logs and metrics show it (`10.0.0.1:80`, `api.internal:443`, `unix:/run/x.sock`).
  public let name: String
  /// Configured as draining: no new connections.
  public let draining: Bool
  public let weight: Int
  public let backup: Bool
  /// Open connections (across workers) beyond which the server takes no more; nil: no limit.
  public let maxConnections: Int?
  private let fixedAddress: SocketAddress?
  private let resolved: ResolvedAddress?

  /// - Parameter resolved: the shared lookup result, required for a host-name server.
  public init(index: Int, id: Int, config: ServerConfig, resolved: ResolvedAddress? = nil) {
    self.index = index
    self.id = id
    address = config.address
    name = config.address.description
    draining = config.drain
    weight = config.weight
    backup = config.backup
    maxConnections = config.maxConnections
    switch config.address {
    case .ip(let endpoint):
      // The config loader accepted the endpoint only after inet_pton did, so this cannot fail.
      guard let socketAddress = SocketAddress(ip: endpoint.host, port: endpoint.port) else {
        preconditionFailure("config loader let through an unparsable address \(endpoint)")
      }
      fixedAddress = socketAddress
      self.resolved = nil
    case .unix(let path):
      guard let socketAddress = SocketAddress(unixPath: path) else {
        preconditionFailure("config loader let through a unix path too long for sun_path: \(path)")
      }
      fixedAddress = socketAddress
      self.resolved = nil
    case .hostname:
      precondition(resolved != nil, "a host-name server needs its ResolvedAddress")
      fixedAddress = nil
      self.resolved = resolved
    }
  }

  /// Where to connect now; nil for a host name no lookup has answered yet.
  @inline(__always)
  public var currentAddress: SocketAddress? {
    fixedAddress ?? resolved?.current
  }

  /// The balancer's view of this server.
  public var balanced: BalancedServer {
    BalancedServer(weight: weight, backup: backup, address: name)
  }
}
