import Glibc
import Logging
import SplicerConfig
import SplicerSystem
import Synchronization

/// The pools whose servers come from DNS SRV records (`discover`): queried once,
/// synchronously, when a configuration is loaded, then again when due (`DiscoveredServers`'
/// refresh), on the `splicer-srv` thread, so that a slow nameserver never stalls the main
/// thread's signals or a relay worker.
///
/// Owned by `RunCommand`; the main thread calls `prepare` and `applied(to:)`, the thread
/// queries. It never changes the proxy itself: when a pool's set changes it calls `changed`
/// (which wakes the main thread), and the main thread applies the running configuration with
/// the new sets through the reload executor, so that a discovered change is all-or-nothing
/// like a reload. A failed or empty answer keeps the last good set and is counted by reason.
public final class ServiceDiscovery: @unchecked Sendable {
  private struct Entry {
    var config: DiscoveryConfig
    /// The last good set; nil until a query has succeeded.
    var servers: [ServerConfig]?
    var nextQuery: UInt64
  }

  private struct FailureKey: Hashable {
    let pool: String
    let reason: DiscoveryFailure
  }

  private let entries = Mutex<[String: Entry]>([:])
  private let failures = Mutex<[FailureKey: UInt64]>([:])
  private let thread: PollingThread
  private let changed: @Sendable () -> Void
  private let logger: Logger

  /// - Parameter changed: called on the discovery thread after a pool's set changed.
  public init(logger: Logger, changed: @escaping @Sendable () -> Void) throws(SyscallError) {
    self.logger = logger
    self.changed = changed
    thread = try PollingThread(name: "splicer-srv")
  }

  /// Takes a newly loaded configuration's `discover` pools and returns the configuration with
  /// their servers filled in. A pool whose `discover` is unchanged keeps its last good set and
  /// schedule; a new or changed one is queried now, on the caller's thread; pools gone are
  /// forgotten. A pool with no good answer yet has no servers.
  public func prepare(_ configuration: Configuration) -> Configuration {
    let wanted = Dictionary(
      configuration.pools.compactMap { pool in pool.discover.map { (pool.name, $0) } },
      uniquingKeysWith: { first, _ in first })
    let kept = entries.withLock { entries in
      entries = entries.filter { wanted[$0.key] == $0.value.config }
      return Set(entries.keys)
    }
    for (pool, config) in wanted where !kept.contains(pool) {
      var entry = Entry(config: config, servers: nil, nextQuery: 0)
      query(pool: pool, &entry)
      entries.withLock { $0[pool] = entry }
    }
    thread.wakeUp()
    return applied(to: configuration)
  }

  /// `configuration` with every `discover` pool's servers replaced by its last good set.
  public func applied(to configuration: Configuration) -> Configuration {
    let sets = entries.withLock { $0.mapValues(\.servers) }
    var result = configuration
    for index in result.pools.indices where result.pools[index].discover != nil {
      if let servers = sets[result.pools[index].name] ?? nil {
        result.pools[index].servers = servers
      }
    }
    return result
  }

  /// Failures so far, by pool and reason, for `splicer_discovery_failures_total`.
  public func failureCounts() -> [(pool: String, reason: DiscoveryFailure, count: UInt64)] {
    failures.withLock { failures in
      failures.map { (pool: $0.key.pool, reason: $0.key.reason, count: $0.value) }
    }.sorted { ($0.pool, $0.reason.rawValue) < ($1.pool, $1.reason.rawValue) }
  }

  public func start() throws(SyscallError) {
    try prepareStart()
    launch()
  }

  /// The half of `start` that can fail: creates the thread, which runs no queries until
  /// `launch` (a live upgrade's new process prepares before its commit, launches after).
  public func prepareStart() throws(SyscallError) {
    try thread.prepare { [self] now in queryDue(now: now) }
  }

  /// The half of `start` that cannot fail.
  public func launch() {
    thread.launch()
  }

  public func stop() {
    thread.stop()
  }

  /// Queries every pool whose time has come, calls `changed` once if any set changed, and
  /// returns when the next query is due.
  private func queryDue(now: UInt64) -> UInt64? {
    let due = entries.withLock { entries in
      entries.filter { $0.value.nextQuery <= now }
    }
    var anyChanged = false
    for (pool, var entry) in due {
      let before = entry.servers
      query(pool: pool, &entry)
      let stored = entries.withLock { entries in
        // prepare may have replaced or dropped the pool meanwhile: its entry wins.
        guard entries[pool]?.config == entry.config else { return false }
        entries[pool] = entry
        return true
      }
      anyChanged = anyChanged || (stored && entry.servers != before)
    }
    if anyChanged { changed() }
    return entries.withLock { $0.values.map(\.nextQuery).min() }
  }

  /// Asks for `entry`'s SRV name, then updates its set (when the answer is good) and its
  /// next query time.
  private func query(pool: String, _ entry: inout Entry) {
    let config = entry.config
    let outcome = SRVLookup.query(config.srv, nameserver: config.nameserver)
    let failure: DiscoveryFailure
    switch outcome {
    case .success(let records):
      if let discovered = DiscoveredServers(records: records, interval: config.interval) {
        if discovered.servers != entry.servers {
          logger.notice(
            "servers discovered",
            metadata: [
              "pool": "\(pool)", "srv": "\(config.srv)",
              "servers": "\(discovered.servers.map(Self.describe).joined(separator: ","))",
            ])
        }
        entry.servers = discovered.servers
        entry.nextQuery = MonotonicClock.now() &+ discovered.refresh.nanoseconds
        return
      }
      failure = .empty
    case .failure(let reason):
      failure = reason
    }
    failures.withLock { $0[FailureKey(pool: pool, reason: failure), default: 0] += 1 }
    // The last good set stays: a DNS hiccup must not empty a pool.
    logger.warning(
      "server discovery failed",
      metadata: [
        "pool": "\(pool)", "srv": "\(config.srv)", "reason": "\(failure.rawValue)",
        "keeping": "\(entry.servers.map { "\($0.count) servers" } ?? "none: no servers until a query succeeds")",
      ])
    entry.nextQuery = MonotonicClock.now() &+ config.interval.nanoseconds
  }

  private static func describe(_ server: ServerConfig) -> String {
    "\(server.address) weight \(server.weight)\(server.backup ? " backup" : "")"
  }
}
