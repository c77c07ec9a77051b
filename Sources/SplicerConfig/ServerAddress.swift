/// Where a pool's server listens: a numeric address, a host name to resolve, or a unix socket.
///
/// Written in the config as `10.0.0.1:80`, `[::1]:80`, `api-b.internal:8443` or
/// `unix:/run/api.sock`, and printed back the same way (`description`), which is also how logs,
/// metric labels and the duplicate check name a server. Host names are stored lowercased;
/// resolving them (every pool's `resolve_interval`) is the relay's job, not the config's.
public enum ServerAddress: Sendable, Hashable, CustomStringConvertible {
  /// A numeric IPv4 or IPv6 address and port.
  case ip(Endpoint)
  /// A host name (LDH labels, lowercased; `localhost` is fine) and port.
  case hostname(String, port: UInt16)
  /// An absolute path to a unix stream socket, at most 107 bytes.
  case unix(path: String)

  /// Parses `10.0.0.1:80`, `[::1]:80`, `name:80` or `unix:/path`.
  public init(parsing text: String) throws(ValueError) {
    self = try ServerAddressParser.parse(text)
  }

  /// The numeric endpoint, or nil for host names and unix sockets.
  public var endpoint: Endpoint? {
    if case .ip(let endpoint) = self { return endpoint }
    return nil
  }

  /// The TCP port, or nil for a unix socket.
  public var port: UInt16? {
    switch self {
    case .ip(let endpoint): endpoint.port
    case .hostname(_, let port): port
    case .unix: nil
    }
  }

  public var isUnix: Bool {
    if case .unix = self { return true }
    return false
  }

  public var description: String {
    switch self {
    case .ip(let endpoint): endpoint.description
    case .hostname(let name, let port): "\(name):\(port)"
    case .unix(let path): "unix:\(path)"
    }
  }
}
