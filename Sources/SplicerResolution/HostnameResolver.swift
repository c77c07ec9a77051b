import Glibc
import Logging
import SplicerRouting
import SplicerSystem
import Synchronization

/// Looks up the servers configured by host name: once, synchronously, when a configuration
/// is loaded (so the first connections already have addresses), then again on each pool's
/// `resolve_interval`, on a thread of its own so that a slow DNS server never stalls a
/// relay worker.
///
/// Owned by `ProxyServer`. It hands out one `ResolvedAddress` per host and port and keeps it
/// across reloads, so a reload neither forgets a good answer nor re-resolves names that stay.
public final class HostnameResolver: @unchecked Sendable {
  private struct Entry {
    let address: ResolvedAddress
    var interval: UInt64
    var nextLookup: UInt64
  }

  private let entries = Mutex<[String: Entry]>([:])
  private let thread: PollingThread
  private let logger: Logger

  public init(logger: Logger) throws(SyscallError) {
    self.logger = logger
    thread = try PollingThread(name: "splicer-dns")
  }

  /// The addresses for a configuration's host-name servers, keyed `host:port`: names already
  /// known keep their `ResolvedAddress` (and its last good answer), new ones are looked up now,
  /// and names the configuration no longer has are forgotten.
  ///
  /// - Parameter names: every host, port and `resolve_interval` asked for; where pools share
  ///   a name, the shortest interval wins.
  /// - Parameter seeded: answers another process had for these names (a live upgrade's old
  ///   process, by the same `host:port` keys as `answers`): a new name starts with its seed,
  ///   so a lookup that fails here keeps the old process's last good answer.
  public func prepare(
    _ names: [(host: String, port: UInt16, interval: Duration)], seeded: [String: [SocketAddress]] = [:]
  ) -> [String: ResolvedAddress] {
    var intervals: [String: UInt64] = [:]
    var hosts: [String: (host: String, port: UInt16)] = [:]
    for name in names {
      let key = "\(name.host):\(name.port)"
      intervals[key] = min(intervals[key] ?? .max, name.interval.nanoseconds)
      hosts[key] = (name.host, name.port)
    }
    let known = entries.withLock { entries in
      entries = entries.filter { intervals[$0.key] != nil }
      for key in entries.keys { entries[key]!.interval = intervals[key]! }
      return entries.mapValues(\.address)
    }
    var result = known
    for (key, name) in hosts where known[key] == nil {
      let address = ResolvedAddress(host: name.host, port: name.port)
      if let seed = seeded[key], !seed.isEmpty { _ = address.update(seed) }
      lookUp(address)
      let interval = intervals[key]!
      entries.withLock { entries in
        entries[key] = Entry(address: address, interval: interval, nextLookup: MonotonicClock.now() &+ interval)
      }
      result[key] = address
    }
    thread.wakeUp()
    return result
  }

  /// The last good answer for every name, keyed `host:port` as `prepare` keys them; names
  /// without one are left out. What a live upgrade's old process sends for `seeded`.
  public var answers: [String: [SocketAddress]] {
    entries.withLock { entries in entries.compactMapValues { $0.address.all.isEmpty ? nil : $0.address.all } }
  }

  public func start() throws(SyscallError) {
    try prepareStart()
    launch()
  }

  /// The half of `start` that can fail: creates the thread, which runs no lookups until
  /// `launch` (a live upgrade's new process prepares before its commit, launches after).
  public func prepareStart() throws(SyscallError) {
    try thread.prepare { [self] now in lookUpDue(now: now) }
  }

  /// The half of `start` that cannot fail.
  public func launch() {
    thread.launch()
  }

  public func stop() {
    thread.stop()
  }

  /// Looks up every name whose time has come; returns when the next one is due.
  private func lookUpDue(now: UInt64) -> UInt64? {
    let due = entries.withLock { entries in
      entries.values.filter { $0.nextLookup <= now }.map(\.address)
    }
    for address in due {
      lookUp(address)
      let key = "\(address.host):\(address.port)"
      entries.withLock { entries in
        if var entry = entries[key] {
          entry.nextLookup = MonotonicClock.now() &+ entry.interval
          entries[key] = entry
        }
      }
    }
    return entries.withLock { $0.values.map(\.nextLookup).min() }
  }

  private func lookUp(_ address: ResolvedAddress) {
    do {
      let answer = try AddressResolver.resolve(host: address.host, port: address.port)
      let previous = address.all
      if address.update(answer) {
        logger.notice(
          previous.isEmpty ? "server address resolved" : "server address changed",
          metadata: [
            "host": "\(address.host)", "addresses": "\(answer.map(\.description).joined(separator: ","))",
            "previous": "\(previous.map(\.description).joined(separator: ","))",
          ])
      }
    } catch {
      // The last good answer stays: a DNS hiccup must not take a healthy server out.
      let kept = address.current
      logger.warning(
        "server address lookup failed",
        metadata: [
          "host": "\(address.host)", "error": "\(error.message)",
          "keeping": "\(kept.map(\.description) ?? "none: unavailable until a lookup succeeds")",
        ])
    }
  }
}
