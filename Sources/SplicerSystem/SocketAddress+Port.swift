import Glibc

extension SocketAddress {
  /// The same IP address with another port (a health check's `port:`); a unix address is
  /// returned unchanged.
  public func withPort(_ port: UInt16) -> SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    withSockAddr { pointer, size in
      length = size
      withUnsafeMutableBytes(of: &storage) { target in
        target.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: Int(size)))
      }
    }
    withUnsafeMutableBytes(of: &storage) { raw in
      switch family {
      case AF_INET:
        var address = raw.load(as: sockaddr_in.self)
        address.sin_port = port.bigEndian
        raw.storeBytes(of: address, as: sockaddr_in.self)
      case AF_INET6:
        var address = raw.load(as: sockaddr_in6.self)
        address.sin6_port = port.bigEndian
        raw.storeBytes(of: address, as: sockaddr_in6.self)
      default:
        break
      }
    }
    return SocketAddress(storage: storage, length: length)
  }
}
