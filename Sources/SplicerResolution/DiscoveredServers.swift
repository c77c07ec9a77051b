import SplicerConfig

/// What one SRV answer means for a pool: its servers and when to ask again. Pure, so that the
/// mapping is tested without a nameserver.
///
/// - The lowest priority in the answer is the active set; every higher priority is a backup.
/// - SRV weights (0-65535) become server weights (1-256): kept as they are when they all fit,
///   else scaled so that the largest is 256; 0, and anything that scales below 1, becomes 1,
///   the smallest weight.
/// - A target of `.` ("no service"), port 0, or a target that is not a host name is skipped;
///   a target and port listed twice is kept once, at its lowest priority.
/// - Servers are sorted by priority, target and port, so that the same records in another
///   order give the same set and no reload.
/// - The next query is due after the smaller of the pool's interval and the smallest TTL, but
///   never sooner than `minimumRefresh`.
public struct DiscoveredServers: Sendable, Equatable {
  public static let minimumRefresh = Duration.seconds(1)

  public var servers: [ServerConfig]
  public var refresh: Duration

  /// nil when no record has a usable target: an empty answer, which keeps the last good set.
  public init?(records: [SRVRecord], interval: Duration) {
    var usable: [(record: SRVRecord, address: ServerAddress)] = []
    for record in records where record.port != 0 {
      var name = record.target.lowercased()
      if name.hasSuffix(".") { name.removeLast() }
      guard !name.isEmpty, let address = try? ServerAddress(parsing: "\(name):\(record.port)"),
        !address.isUnix
      else { continue }
      usable.append((record, address))
    }
    guard let lowest = usable.map(\.record.priority).min() else { return nil }
    usable.sort { left, right in
      (left.record.priority, left.address.description, left.record.port)
        < (right.record.priority, right.address.description, right.record.port)
    }
    let largest = Int(usable.map(\.record.weight).max() ?? 0)
    let limit = ServerConfig.weightRange.upperBound
    var seen: Set<ServerAddress> = []
    var servers: [ServerConfig] = []
    for (record, address) in usable where seen.insert(address).inserted {
      var weight = Int(record.weight)
      if largest > limit {
        weight = (weight * limit + largest / 2) / largest
      }
      servers.append(
        ServerConfig(address: address, weight: max(weight, 1), backup: record.priority != lowest))
    }
    self.servers = servers
    let ttl = Duration.seconds(Int64(usable.map(\.record.ttl).min() ?? 0))
    refresh = max(Self.minimumRefresh, min(interval, ttl))
  }
}
