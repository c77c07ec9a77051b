/// How a listener reads the TLS ClientHello to find the server name for its `sni` routes
/// (`inspect:`). The bytes read are peeked, not consumed: the server gets the whole handshake.
///
/// Only listeners with at least one `sni` route read the ClientHello; on other listeners these
/// settings are accepted and have no effect, so a listener's routes can be edited without
/// also editing its `inspect`.
public struct InspectConfig: Sendable, Equatable {
  /// Bounds on `maxSize`: one small ClientHello up to a record and a half of a large one.
  public static let maxSizeRange = 512...65536

  /// How long the client has to send a complete ClientHello.
  public var timeout: Duration
  /// The most bytes read while looking for a complete ClientHello.
  public var maxSize: Int
  /// What happens when the ClientHello cannot be read in time or in size, or is not TLS.
  public var onFailure: InspectFailure

  public init(timeout: Duration = .seconds(5), maxSize: Int = 16 * 1024, onFailure: InspectFailure = .defaultRoute) {
    self.timeout = timeout
    self.maxSize = maxSize
    self.onFailure = onFailure
  }
}
