/// One worker's counters: per listener, per server and for the worker as a whole.
///
/// Written only by the worker's thread (see `CounterTable`) and summed over the workers when
/// metrics are scraped. Rows are `StatsLayout` rows: a listener's by name, a server's by pool
/// and address (`Backend.id`), kept across reloads.
public final class WorkerStats: @unchecked Sendable {
  /// Counters and gauges of the worker as a whole.
  public enum Global: Int, CaseIterable, Sendable {
    case bytesSpliced
    case bytesCopied
    case pipesCreated
    case pipesClosed
    case pipesLeased
    case pipesReturned
    /// Gauge: empty pipes waiting in the pool.
    case pipesPooled
    /// Gauge: the capacity the kernel granted the most recent pipe.
    case pipeCapacityGranted

    /// How the workers' values make the proxy's.
    public enum Aggregation: Sendable {
      /// Counters and gauges of things each worker has its own share of.
      case sum
      /// A gauge every worker sets to the same kind of value: the smallest non-zero one
      /// (zero while no worker has set it).
      case smallestSet
    }

    public var acrossWorkers: Aggregation {
      switch self {
      case .pipeCapacityGranted: .smallestSet
      case .bytesSpliced, .bytesCopied, .pipesCreated, .pipesClosed, .pipesLeased, .pipesReturned, .pipesPooled: .sum
      }
    }
  }

  /// Counters per listener.
  public enum Listener: Int, CaseIterable, Sendable {
    case accepted
    case closed
    case bytesClientToServer
    case bytesServerToClient
    case acceptErrors
    case acceptBackoffs
    /// Times the listener stopped accepting because it reached `max_connections`.
    case limitPauses
    /// Connections that waited in a pool's queue for a server below `max_connections`.
    case queued
    /// PROXY protocol headers accepted (`accept_proxy`).
    case proxyHeaders
    /// Bytes spliced to the listener's shadow servers (`mirror`).
    case mirrorBytes
  }

  /// Counters per server.
  public enum Server: Int, CaseIterable, Sendable {
    case connectAttempts
    case connected
    case closed
    case bytesClientToServer
    case bytesServerToClient
  }

  public let global: CounterTable
  public let fallbacks: CounterTable
  public let listeners: CounterTable
  public let listenerCloses: CounterTable
  public let servers: CounterTable
  public let serverFailures: CounterTable
  public let inspections: CounterTable
  public let mirrors: CounterTable

  public init(listenerCount: Int, serverCount: Int) {
    global = CounterTable(rows: 1, columns: Global.allCases.count)
    fallbacks = CounterTable(rows: 1, columns: SpliceFallbackReason.allCases.count)
    listeners = CounterTable(rows: listenerCount, columns: Listener.allCases.count)
    listenerCloses = CounterTable(rows: listenerCount, columns: CloseReason.allCases.count)
    servers = CounterTable(rows: serverCount, columns: Server.allCases.count)
    serverFailures = CounterTable(rows: serverCount, columns: ConnectFailureReason.allCases.count)
    inspections = CounterTable(rows: listenerCount, columns: InspectOutcome.allCases.count)
    mirrors = CounterTable(rows: listenerCount, columns: MirrorResult.allCases.count)
  }

  // MARK: Writing, on the worker's thread

  @inline(__always)
  func add(_ slot: Global, _ amount: UInt64 = 1) { global.add(0, slot.rawValue, amount) }

  @inline(__always)
  func set(_ slot: Global, _ value: UInt64) { global.set(0, slot.rawValue, value) }

  @inline(__always)
  func add(listener: Int, _ slot: Listener, _ amount: UInt64 = 1) { listeners.add(listener, slot.rawValue, amount) }

  @inline(__always)
  func add(server: Int, _ slot: Server, _ amount: UInt64 = 1) { servers.add(server, slot.rawValue, amount) }

  func countClose(listener: Int, _ reason: CloseReason) {
    listenerCloses.add(listener, reason.rawValue)
    listeners.add(listener, Listener.closed.rawValue)
  }

  func countFallback(_ reason: SpliceFallbackReason) { fallbacks.add(0, reason.rawValue) }

  func countMirror(listener: Int, _ result: MirrorResult) { mirrors.add(listener, result.rawValue) }

  func countInspection(listener: Int, _ outcome: InspectOutcome) { inspections.add(listener, outcome.rawValue) }

  func countConnectFailure(server: Int, _ reason: ConnectFailureReason) {
    serverFailures.add(server, reason.rawValue)
  }

  // MARK: Reading, from any thread

  public func value(_ slot: Global) -> UInt64 { global.value(0, slot.rawValue) }
  public func value(listener: Int, _ slot: Listener) -> UInt64 { listeners.value(listener, slot.rawValue) }
  public func value(server: Int, _ slot: Server) -> UInt64 { servers.value(server, slot.rawValue) }
  public func closes(listener: Int, _ reason: CloseReason) -> UInt64 { listenerCloses.value(listener, reason.rawValue) }
  public func fallbacks(_ reason: SpliceFallbackReason) -> UInt64 { fallbacks.value(0, reason.rawValue) }
  public func inspections(listener: Int, _ outcome: InspectOutcome) -> UInt64 {
    inspections.value(listener, outcome.rawValue)
  }
  public func mirrors(listener: Int, _ result: MirrorResult) -> UInt64 { mirrors.value(listener, result.rawValue) }
  public func connectFailures(server: Int, _ reason: ConnectFailureReason) -> UInt64 {
    serverFailures.value(server, reason.rawValue)
  }
}
