import Glibc
import Logging
import SplicerConfig
import SplicerRouting
import SplicerSystem
import Synchronization

/// The running proxy: binds every listener once per worker, then runs one event-loop thread
/// per worker until `stop()`.
///
/// Binding happens in `init`, on the calling thread, so that bind errors surface before any
/// thread starts and privileged ports can be bound before capabilities are dropped.
///
/// Sendable because other threads (the admin endpoint) only read its immutable members,
/// counters and the atomic draining flag; `start` and `stop` belong to the main thread.
public final class ProxyServer: @unchecked Sendable {
  /// A bound listener and the address the kernel gave it (the port is real even if the
  /// config said 0).
  public struct BoundListener: Sendable {
    public let name: String
    public let address: SocketAddress
  }

  public let boundListeners: [BoundListener]
  public let stats: [WorkerStats]
  /// The configuration the proxy runs.
  public let configuration: Configuration
  /// The routing snapshot; `servers` gives the pool and address behind each `Backend.id`.
  public let routing: RoutingTable
  private let draining = Atomic<Bool>(false)
  private let workers: [Worker]
  private var threads: [pthread_t] = []
  private let logger: Logger

  /// Binds all listeners for all workers.
  ///
  /// Throws the first bind or socket error, naming the listener, after closing whatever it
  /// had already bound.
  public init(configuration: Configuration, logger: Logger) throws {
    self.logger = logger
    self.configuration = configuration
    let routing = RoutingTable(configuration: configuration)
    self.routing = routing
    let latency = LatencyRecorders(
      listeners: configuration.listeners.map(\.name),
      servers: routing.servers.map { ($0.pool, $0.backend.endpoint.description) })
    let poolSlots = Dictionary(
      uniqueKeysWithValues: configuration.pools.enumerated().map { ($0.element.name, $0.offset) })
    let stats = (0..<configuration.workers).map { _ in
      WorkerStats(listenerCount: configuration.listeners.count, serverCount: routing.servers.count)
    }
    let workers = try (0..<configuration.workers).map { index in
      try Worker(
        index: index, configuration: configuration, poolCount: poolSlots.count, stats: stats[index],
        latency: latency, logger: logger)
    }
    var bound: [BoundListener] = []
    for (index, listener) in configuration.listeners.enumerated() {
      guard let pool = routing.pool(forListener: listener.name), let slot = poolSlots[listener.pool] else {
        preconditionFailure("config loader let through listener \(listener.name) without a pool")
      }
      let context = ListenerContext(
        name: listener.name, index: index, mode: listener.mode, pool: pool, poolSlot: slot)
      let address = try Self.bindAll(listener: listener, context: context, workers: workers)
      bound.append(BoundListener(name: listener.name, address: address))
    }
    self.workers = workers
    self.stats = stats
    self.boundListeners = bound
  }

  /// Binds one socket per worker on the listener's address and hands each to its worker.
  ///
  /// With port 0 the first bind picks the port and the others reuse it, so that all workers
  /// share one SO_REUSEPORT group.
  private static func bindAll(listener: ListenerConfig, context: ListenerContext, workers: [Worker]) throws
    -> SocketAddress
  {
    guard var address = SocketAddress(ip: listener.bind.host, port: listener.bind.port) else {
      preconditionFailure("config loader let through an unparsable bind address")
    }
    do {
      for worker in workers {
        let fd = try Socket.listen(on: address, reusePort: true, backlog: Int32(listener.backlog))
        if address.port == 0 {
          address = try Socket.localAddress(fd)
        }
        try worker.addListener(fd: fd, context: context)
      }
    } catch {
      var message = "listener \(listener.name): \(error)"
      if error.errno == EACCES && address.port < 1024 {
        message += "; binding a port below 1024 needs root or CAP_NET_BIND_SERVICE"
      }
      throw ProxyStartError(message: message)
    }
    return address
  }

  /// Starts one thread per worker.
  public func start() throws {
    for worker in workers {
      let thread = try Threads.start(name: "splicer-w\(worker.index)") { worker.run() }
      threads.append(thread)
    }
    for listener in boundListeners {
      logger.notice(
        "listener bound",
        metadata: ["listener": "\(listener.name)", "address": "\(listener.address)", "workers": "\(workers.count)"])
    }
  }

  /// True once stopping has begun; `/healthz` answers 503 from then on.
  public var isDraining: Bool { draining.load(ordering: .relaxed) }

  /// Stops every worker, closes every socket and pipe, and waits for the threads to end.
  public func stop() {
    draining.store(true, ordering: .relaxed)
    for worker in workers { worker.requestStop() }
    for thread in threads { Threads.join(thread) }
    threads.removeAll()
  }

  /// Sums a worker-wide counter over the workers.
  public func total(_ slot: WorkerStats.Global) -> UInt64 {
    stats.reduce(0) { $0 &+ $1.value(slot) }
  }
}

/// A failure to bring the proxy up (bind, socket, thread), with a message for the operator.
public struct ProxyStartError: Error, CustomStringConvertible {
  public let message: String

  public init(message: String) {
    self.message = message
  }

  public var description: String { message }
}
