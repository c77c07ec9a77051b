import Glibc

/// A socket address in the kernel's own layout, ready for bind/connect: IPv4, IPv6, or a unix
/// (AF_UNIX) path.
///
/// Two addresses are equal when their first `length` bytes are, so every initialiser here starts
/// from zeroed storage and sets `length` to exactly the bytes the kernel would report.
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

  /// An IPv4 address from its 4 bytes in network order (as they travel in a PROXY v2 header);
  /// nil when `bytes` does not hold exactly 4 bytes.
  public init?(ipv4 bytes: some Collection<UInt8>, port: UInt16) {
    guard bytes.count == 4 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    withUnsafeMutableBytes(of: &address.sin_addr) { raw in raw.copyBytes(from: bytes) }
    storage = sockaddr_storage()
    length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutableBytes(of: &storage) { raw in raw.storeBytes(of: address, as: sockaddr_in.self) }
  }

  /// An IPv6 address from its 16 bytes in network order; nil when `bytes` does not hold exactly 16.
  public init?(ipv6 bytes: some Collection<UInt8>, port: UInt16) {
    guard bytes.count == 16 else { return nil }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_port = port.bigEndian
    withUnsafeMutableBytes(of: &address.sin6_addr) { raw in raw.copyBytes(from: bytes) }
    storage = sockaddr_storage()
    length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    withUnsafeMutableBytes(of: &storage) { raw in raw.storeBytes(of: address, as: sockaddr_in6.self) }
  }

  /// A unix socket path (AF_UNIX). nil when the path is empty, holds a NUL byte, or does not fit
  /// `sun_path` with its terminating NUL (107 bytes of path at most).
  public init?(unixPath path: String) {
    let utf8 = path.utf8
    let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
    guard !utf8.isEmpty, utf8.count < capacity, !utf8.contains(0) else { return nil }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: utf8) }
    storage = sockaddr_storage()
    // What the kernel reports for a bound path: the family, the path and its NUL, no padding.
    length = socklen_t(Self.unixPathOffset + utf8.count + 1)
    withUnsafeMutableBytes(of: &storage) { raw in raw.storeBytes(of: address, as: sockaddr_un.self) }
  }

  /// Wraps an address the kernel filled in (accept, getsockname).
  public init(storage: sockaddr_storage, length: socklen_t) {
    self.storage = storage
    self.length = length
  }

  public var family: Int32 { Int32(storage.ss_family) }

  /// The port; 0 for an address that has none (unix).
  public var port: UInt16 {
    withUnsafeBytes(of: storage) { raw in
      switch Int32(storage.ss_family) {
      case AF_INET: UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
      case AF_INET6: UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
      default: 0
      }
    }
  }

  /// The address bytes in network order: 4 for IPv4, 16 for IPv6, none for anything else.
  public var ipBytes: [UInt8] {
    withUnsafeBytes(of: storage) { raw in
      switch Int32(storage.ss_family) {
      case AF_INET:
        let offset = MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr)!
        return Array(raw[offset..<offset + 4])
      case AF_INET6:
        let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!
        return Array(raw[offset..<offset + 16])
      default:
        return []
      }
    }
  }

  /// The path of a unix address, nil for any other family. An unnamed socket (as `accept` reports
  /// a client of a unix listener) has the empty path; an abstract one is shown as `@name`.
  public var unixPath: String? {
    guard family == AF_UNIX else { return nil }
    return withUnsafeBytes(of: storage) { raw in
      let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
      // The kernel may report a length past the NUL or none at all; never read beyond sun_path.
      let count = max(0, min(Int(length) - Self.unixPathOffset, capacity))
      let path = raw[Self.unixPathOffset..<Self.unixPathOffset + count]
      if let first = path.first, first == 0, path.count > 1 {
        return "@" + String(decoding: path.dropFirst(), as: UTF8.self)
      }
      return String(decoding: path.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  /// The numeric host without brackets or port; the path for a unix address.
  public var host: String {
    if let path = unixPath { return path }
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

  /// `1.2.3.4:80`, `[::1]:80` or `unix:/run/app.sock`.
  public var description: String {
    switch family {
    case AF_INET6: "[\(host)]:\(port)"
    case AF_UNIX: "unix:\(host)"
    default: "\(host):\(port)"
    }
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

  private static let unixPathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
}
