/// One SRV record of an answer, as `SRVLookup` read it: target, port, priority, weight, TTL.
public struct SRVRecord: Sendable, Hashable {
  /// The target host name as it came in the answer (`.` means "no service here").
  public var target: String
  public var port: UInt16
  public var priority: UInt16
  public var weight: UInt16
  /// Seconds the record may be cached.
  public var ttl: UInt32

  public init(target: String, port: UInt16, priority: UInt16, weight: UInt16, ttl: UInt32) {
    self.target = target
    self.port = port
    self.priority = priority
    self.weight = weight
    self.ttl = ttl
  }
}
