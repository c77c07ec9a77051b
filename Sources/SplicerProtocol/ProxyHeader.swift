import SplicerSystem

/// A parsed PROXY protocol header: what the proxy in front of us says about the client.
///
/// A value type owned by whoever parsed it; it holds no reference to the bytes it came from.
/// TLVs of a v2 header are checked for length and dropped, so two headers that differ only in
/// their TLVs compare equal.
public struct ProxyHeader: Sendable, Equatable {
  /// The endpoints the header carries.
  public enum Addresses: Sendable, Equatable {
    /// No client address to use: v1 `UNKNOWN`, v2 `LOCAL`, or a v2 `PROXY` with the UNSPEC or
    /// UNIX family. The receiver keeps the connection's real endpoints.
    case local
    /// The original client (`source`) and the address it connected to (`destination`); both IPv4
    /// or both IPv6.
    case proxied(source: SocketAddress, destination: SocketAddress)
  }

  public var version: ProxyHeaderVersion
  public var addresses: Addresses

  public init(version: ProxyHeaderVersion, addresses: Addresses) {
    self.version = version
    self.addresses = addresses
  }

  /// The client address the header reports, nil for `.local`.
  public var source: SocketAddress? {
    if case .proxied(let source, _) = addresses { return source }
    return nil
  }

  /// The address the client connected to, nil for `.local`.
  public var destination: SocketAddress? {
    if case .proxied(_, let destination) = addresses { return destination }
    return nil
  }
}
