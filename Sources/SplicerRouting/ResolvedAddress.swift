import SplicerSystem
import Synchronization

/// The current addresses of a server configured by host name, shared by every worker that
/// connects to it and written by the resolver thread.
///
/// A failed lookup leaves the last good answer in place; until the first lookup succeeds the
/// server has no address and counts as unavailable.
public final class ResolvedAddress: Sendable {
  public let host: String
  public let port: UInt16
  private let addresses = Mutex<[SocketAddress]>([])

  public init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  /// The address connects use now: the first of the last good answer (getaddrinfo's
  /// preferred one); nil before any lookup succeeded.
  public var current: SocketAddress? {
    addresses.withLock { $0.first }
  }

  public var all: [SocketAddress] {
    addresses.withLock { $0 }
  }

  /// Stores a lookup's answer; returns whether it differs from the previous one.
  @discardableResult
  public func update(_ answer: [SocketAddress]) -> Bool {
    precondition(!answer.isEmpty, "a failed lookup must keep the last good answer")
    return addresses.withLock { stored in
      defer { stored = answer }
      return stored != answer
    }
  }
}
