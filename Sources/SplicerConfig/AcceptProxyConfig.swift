/// A listener's acceptance of a PROXY protocol header (v1 or v2, told apart by their first
/// bytes) from a load balancer in front of it (`accept_proxy:`).
///
/// With it, every connection must begin with a header; the client address it carries replaces
/// the peer address for `allow`, `deny`, `source` routes, `source_hash`, logs and a `send_proxy`
/// header of its own. A connection whose peer is not in `trusted`, or whose header is missing,
/// malformed or late, is closed: a forged header from an untrusted peer would let it pick its
/// own source address.
public struct AcceptProxyConfig: Sendable, Equatable {
  /// Peers allowed to send a header; empty: any peer.
  public var trusted: [CIDR]
  /// How long a peer has to send the complete header.
  public var timeout: Duration

  public init(trusted: [CIDR] = [], timeout: Duration = .seconds(5)) {
    self.trusted = trusted
    self.timeout = timeout
  }
}
