import Glibc
import SplicerSystem

/// Socket addresses on the wire (design §4.2): `u8 family (0 none, 4, 6, 1 unix) + u8 length +
/// bytes`. IPv4 is its 4 bytes and the port, IPv6 its 16 bytes, the port and the scope id, a
/// unix address the bytes of `sun_path` the kernel reported (an abstract name keeps its leading
/// NUL, an unnamed socket has none).
extension UpgradeWireWriter {
  enum AddressFamily: UInt8 {
    case none = 0
    case unix = 1
    case ipv4 = 4
    case ipv6 = 6
  }

  public mutating func writeAddress(_ address: SocketAddress?) {
    guard let address else {
      write(AddressFamily.none.rawValue)
      write(UInt8(0))
      return
    }
    switch address.family {
    case AF_INET:
      write(AddressFamily.ipv4.rawValue)
      write(UInt8(6))
      append(address.ipBytes)
      write(address.port)
    case AF_INET6:
      write(AddressFamily.ipv6.rawValue)
      write(UInt8(22))
      append(address.ipBytes)
      write(address.port)
      let scope = address.withSockAddr { pointer, _ in
        pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_scope_id }
      }
      write(UInt32(scope))
    case AF_UNIX:
      let path = Self.sunPathBytes(address)
      write(AddressFamily.unix.rawValue)
      write(UInt8(path.count))
      append(path)
    default:
      // Only the three families are ever accepted or connected; another is a bug upstream.
      preconditionFailure("address family \(address.family) has no wire form")
    }
  }

  /// What `writeAddress` appends for `address`, counted without writing.
  static func encodedLength(of address: SocketAddress?) -> Int {
    guard let address else { return 2 }
    switch address.family {
    case AF_INET: return 2 + 6
    case AF_INET6: return 2 + 22
    case AF_UNIX: return 2 + sunPathCount(address)
    default: preconditionFailure("address family \(address.family) has no wire form")
    }
  }

  private static func sunPathCount(_ address: SocketAddress) -> Int {
    let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
    let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
    return max(0, min(Int(address.length) - offset, capacity))
  }

  /// The `sun_path` bytes within the address's length, at most the size of `sun_path`.
  private static func sunPathBytes(_ address: SocketAddress) -> [UInt8] {
    let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
    let count = sunPathCount(address)
    return address.withSockAddr { pointer, _ in
      Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer) + offset, count: count))
    }
  }
}

extension UpgradeWireReader {
  /// An address or none; the length must be exactly the family's.
  public mutating func address(_ field: String) throws(UpgradeWireError) -> SocketAddress? {
    let rawFamily = try u8(field)
    let length = Int(try u8(field))
    guard let family = UpgradeWireWriter.AddressFamily(rawValue: rawFamily) else {
      throw .unknownTag(field: "\(field) family", value: UInt64(rawFamily))
    }
    let expected: ClosedRange<Int> =
      switch family {
      case .none: 0...0
      case .ipv4: 6...6
      case .ipv6: 22...22
      case .unix: 0...MemoryLayout.size(ofValue: sockaddr_un().sun_path)
      }
    guard expected.contains(length) else {
      throw .outOfRange(field: "\(field) length", value: UInt64(length), limit: UInt64(expected.upperBound))
    }
    switch family {
    case .none:
      return nil
    case .ipv4:
      let ip = try take(4, field)
      return SocketAddress(ipv4: ip, port: try u16(field))
    case .ipv6:
      let ip = Array(try take(16, field))
      let port = try u16(field)
      var raw = sockaddr_in6()
      raw.sin6_family = sa_family_t(AF_INET6)
      raw.sin6_port = port.bigEndian
      raw.sin6_scope_id = try u32(field)
      withUnsafeMutableBytes(of: &raw.sin6_addr) { $0.copyBytes(from: ip) }
      return Self.address(raw, length: MemoryLayout<sockaddr_in6>.size)
    case .unix:
      let path = try take(length, field)
      var raw = sockaddr_un()
      raw.sun_family = sa_family_t(AF_UNIX)
      withUnsafeMutableBytes(of: &raw.sun_path) { $0.copyBytes(from: path) }
      let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
      return Self.address(raw, length: offset + length)
    }
  }

  private static func address<Raw>(_ raw: Raw, length: Int) -> SocketAddress {
    var storage = sockaddr_storage()
    withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: raw, as: Raw.self) }
    return SocketAddress(storage: storage, length: socklen_t(length))
  }

  /// An address that must be there.
  public mutating func requiredAddress(_ field: String) throws(UpgradeWireError) -> SocketAddress {
    guard let address = try address(field) else { throw .inconsistent("\(field) is missing") }
    return address
  }
}
