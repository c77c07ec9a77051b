/// A listener's bandwidth limits (`rate_limit:`), in bytes per second; nil: no limit.
///
/// The proxy enforces them through the kernel's TCP pacing (SO_MAX_PACING_RATE on the socket
/// that sends), not by counting bytes: `download` on the client socket, `upload` on the server
/// socket. `listenerTotal` is divided equally among the listener's open connections and caps
/// each direction separately; a per-connection limit below the share wins.
public struct RateLimitConfig: Sendable, Equatable {
  /// Server to client, per connection.
  public var download: Int?
  /// Client to server, per connection.
  public var upload: Int?
  /// Each direction's total across the listener's open connections, on all workers.
  public var listenerTotal: Int?

  public init(download: Int? = nil, upload: Int? = nil, listenerTotal: Int? = nil) {
    self.download = download
    self.upload = upload
    self.listenerTotal = listenerTotal
  }

  /// Whether any limit is set.
  public var isLimited: Bool { download != nil || upload != nil || listenerTotal != nil }
}
