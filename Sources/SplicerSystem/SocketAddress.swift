import Glibc

/// An IPv4 or IPv6 socket address in the kernel's own layout, ready for bind/connect.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
  private var storage: sockaddr_storage
  public private(set) var length: socklen_t

  /// Parses a numeric address (`127.0.0.1`, `::1`) with inet_pton; nil when it is not one.
  public init?(ip: String, port: UInt16) {
    storage = sockaddr_storage()
    if ip.contains(":") {
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_port = port.bigEndian
      guard inet_pton(AF_INET6, ip, &address.sin6_addr) == 1 else { return nil }
      length = socklen_t(MemoryLayout<sockaddr_in6>.size)
      withUnsafeMutableBytes(of: &storage) { raw in
        raw.storeBytes(of: address, as: sockaddr_in6.self)
      }
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      guard inet_pton(AF_INET, ip, &address.sin_addr) == 1 else { return nil }
      length = socklen_t(MemoryLayout<sockaddr_in>.size)
      withUnsafeMutableBytes(of: &storage) { raw in
        raw.storeBytes(of: address, as: sockaddr_in.self)
      }
    }
  }

  /// Wraps an address the kernel filled in (accept, getsockname).
  public init(storage: sockaddr_storage, length: socklen_t) {
    self.storage = storage
    self.length = length
  }

  public var family: Int32 { Int32(storage.ss_family) }

  public var port: UInt16 {
    withUnsafeBytes(of: storage) { raw in
      switch Int32(storage.ss_family) {
      case AF_INET: UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
      case AF_INET6: UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
      default: 0
      }
    }
  }

  /// The numeric host without brackets or port.
  public var host: String {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    withUnsafeBytes(of: storage) { raw in
      switch Int32(storage.ss_family) {
      case AF_INET:
        var address = raw.load(as: sockaddr_in.self).sin_addr
        _ = inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
      case AF_INET6:
        var address = raw.load(as: sockaddr_in6.self).sin6_addr
        _ = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
      default:
        break
      }
    }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// `1.2.3.4:80` or `[::1]:80`.
  public var description: String {
    family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
  }

  /// Calls `body` with the address as the `sockaddr` pointer the socket calls take.
  public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
    try withUnsafeBytes(of: storage) { raw in
      try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
    }
  }

  public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
    lhs.length == rhs.length
      && lhs.withSockAddr { l, _ in
        rhs.withSockAddr { r, _ in memcmp(l, r, Int(lhs.length)) == 0 }
      }
  }

  public func hash(into hasher: inout Hasher) {
    withSockAddr { pointer, length in
      hasher.combine(bytes: UnsafeRawBufferPointer(start: pointer, count: Int(length)))
    }
  }
}
