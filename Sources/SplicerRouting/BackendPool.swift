import SplicerConfig
import SplicerSystem
import Synchronization

/// A named set of servers, how connections are spread over them, and how many of them one
/// connection may try.
///
/// Immutable but for the queue count, which every worker's queue for this pool shares so
/// that `queue.size` bounds the pool as a whole.
public final class BackendPool: Sendable {
  public let name: String
  public let servers: [Backend]
  /// Further servers a connection may try after a failed connect.
  public let retries: Int
  /// Passive checks: consecutive connect failures that take a server down; nil: off.
  public let observeFailures: Int?
  public let whenAllDown: WhenAllDown
  public let algorithm: BalanceAlgorithm
  public let balancedServers: [BalancedServer]
  /// The PROXY header servers get before the client's bytes; nil: none.
  public let sendProxy: ProxyProtocolVersion?
  /// Sessions that may wait for a server below `max_connections`; 0: none wait.
  public let queueSize: Int
  public let queueTimeout: UInt64
  /// Keepalive probes set on each server socket before its connect; nil: none.
  public let serverKeepalive: KeepaliveProbes?
  private let waiting = Atomic<Int>(0)

  /// - Parameter ids: the `Backend.id` of each server, in order; by default 0, 1, 2, …
  /// - Parameter resolved: the shared lookups of host-name servers, keyed `host:port`.
  public init(config: PoolConfig, ids: [Int]? = nil, resolved: [String: ResolvedAddress] = [:]) {
    name = config.name
    servers = config.servers.enumerated().map { offset, server in
      var lookup: ResolvedAddress?
      if case .hostname(let host, let port) = server.address {
        lookup = resolved["\(host):\(port)"] ?? ResolvedAddress(host: host, port: port)
      }
      return Backend(index: offset, id: ids?[offset] ?? offset, config: server, resolved: lookup)
    }
    retries = config.retries
    observeFailures = config.observe?.failures
    whenAllDown = config.whenAllDown
    algorithm = config.balance
    balancedServers = servers.map(\.balanced)
    sendProxy = config.sendProxy
    queueSize = config.queue.size
    queueTimeout = config.queue.timeout.nanoseconds
    serverKeepalive = config.serverKeepalive.map(KeepaliveProbes.init)
  }

  /// Sessions in this pool's queues on all workers now.
  ///
  /// Sequentially consistent, like `reserveQueuePlace` and `ServerLoadBoard.release`: a worker
  /// that joins the queue and then looks for a free server, and a worker that frees a server
  /// and then looks for queued sessions, must not both miss the other's write (each would
  /// then wait for the other, and the queued session would time out beside a free slot).
  public var queuedSessions: Int { waiting.load(ordering: .sequentiallyConsistent) }

  /// Takes a place in the queue; false when it is full.
  public func reserveQueuePlace() -> Bool {
    var current = waiting.load(ordering: .relaxed)
    while current < queueSize {
      let (exchanged, original) = waiting.compareExchange(
        expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
      if exchanged { return true }
      current = original
    }
    return false
  }

  /// Takes a place for a queued session adopted from the old process in a live upgrade,
  /// whatever the queue's size: it held the place there.
  public func adoptQueuePlace() {
    waiting.add(1, ordering: .sequentiallyConsistent)
  }

  public func releaseQueuePlace() {
    waiting.subtract(1, ordering: .relaxed)
  }
}
