import Glibc
import SplicerSystem

/// The client's side of source_hash: a key from the client's IP address alone.
extension PoolBalancer {
  /// `BalancedServer.stableHash` of the client's IP address bytes (4 for IPv4, 16 for IPv6),
  /// in network order. Never include the port: a client's every connection comes from a new
  /// port, and source_hash must send them all to the same server.
  public static func clientKey(_ ipBytes: some Collection<UInt8>) -> UInt64 {
    BalancedServer.stableHash(bytes: ipBytes)
  }

  /// `clientKey` of a peer address as accept(2) reported it. An IPv4-mapped IPv6 address
  /// (`::ffff:a.b.c.d`, from a dual-stack listener) is keyed as the IPv4 address it carries,
  /// so a client keeps its server whichever listener it reaches.
  public static func clientKey(_ address: SocketAddress) -> UInt64 {
    address.withSockAddr { pointer, _ in
      let raw = UnsafeRawPointer(pointer)
      switch Int32(pointer.pointee.sa_family) {
      case AF_INET:
        let address = raw.load(as: sockaddr_in.self).sin_addr
        return withUnsafeBytes(of: address) { clientKey($0) }
      case AF_INET6:
        let address = raw.load(as: sockaddr_in6.self).sin6_addr
        return withUnsafeBytes(of: address) { bytes in
          let mapped = bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
          return mapped ? clientKey(bytes.suffix(4)) : clientKey(bytes)
        }
      default:
        // Not an IP peer (never accepted on a TCP listener): every such client shares a key.
        return clientKey(EmptyCollection())
      }
    }
  }
}
