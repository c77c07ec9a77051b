/// One entry of a listener's `routes`: which connections go to which pool.
///
/// A route matches when every condition it has matches: the ClientHello's server name one of
/// `sni` (if set) and the client address in one of `source` (if set). At least one of the two is
/// set; the loader refuses empty lists. A listener tries its routes in file order and the first
/// match wins; with none matching, its default `pool` (if any) takes the connection.
public struct RouteConfig: Sendable, Equatable {
  /// Server names to match; nil: any name, or none at all.
  public var sni: [SNIPattern]?
  /// Client networks to match (the address from the PROXY header when the listener accepts one);
  /// nil: any client.
  public var source: [CIDR]?
  /// The pool that takes matching connections; a key under `pools`.
  public var pool: String

  public init(sni: [SNIPattern]? = nil, source: [CIDR]? = nil, pool: String) {
    self.sni = sni
    self.source = source
    self.pool = pool
  }

  /// Whether this route needs the server name, i.e. the listener must read the ClientHello.
  public var needsServerName: Bool {
    sni != nil
  }

  /// Whether a connection with this server name (lowercased; nil when none was sent or it could
  /// not be read) from this client address (4 or 16 bytes) takes this route.
  public func matches(serverName: String?, clientAddress: some Collection<UInt8>) -> Bool {
    matches(serverName: serverName, clientAddress: IPAddressWords(clientAddress))
  }

  /// `matches(serverName:clientAddress:)` for an address already read into words.
  public func matches(serverName: String?, clientAddress: IPAddressWords) -> Bool {
    if let sni {
      guard let serverName, sni.contains(where: { $0.matches(serverName) }) else { return false }
    }
    if let source {
      guard source.contains(where: { $0.contains(clientAddress) }) else { return false }
    }
    return true
  }
}
