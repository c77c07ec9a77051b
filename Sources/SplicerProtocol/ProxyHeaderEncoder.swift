import Glibc
import SplicerSystem

/// Writes the PROXY protocol header the relay sends a backend ahead of the client's bytes.
///
/// `source` is the client as the relay saw it, `destination` the address the client connected
/// to. Both must be IP addresses of one family for the header to carry them; otherwise (a unix
/// client, or an IPv4 and a true IPv6 address) the header says the origin is unknown: v1
/// `PROXY UNKNOWN\r\n`, v2 a LOCAL command with the UNSPEC family, as HAProxy writes them.
///
/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, what a dual-stack listener reports for an IPv4
/// client) are written as IPv4 when the other address is IPv4 or mapped too, so a backend logs
/// the client as it knows it.
public enum ProxyHeaderEncoder {
  /// A v1 text line, e.g. `PROXY TCP4 192.0.2.1 198.51.100.2 51234 443\r\n`.
  public static func v1(source: SocketAddress, destination: SocketAddress) -> [UInt8] {
    guard let (source, destination) = sameFamily(source, destination) else {
      return Array("PROXY UNKNOWN\r\n".utf8)
    }
    let word = source.family == AF_INET ? "TCP4" : "TCP6"
    let line = "PROXY \(word) \(source.host) \(destination.host) \(source.port) \(destination.port)\r\n"
    return Array(line.utf8)
  }

  /// A v2 binary header without TLVs: 28 bytes for IPv4, 52 for IPv6, 16 for LOCAL.
  public static func v2(source: SocketAddress, destination: SocketAddress) -> [UInt8] {
    var header = ProxyHeaderParser.v2Signature
    guard let (source, destination) = sameFamily(source, destination) else {
      header += [0x20, 0x00, 0x00, 0x00]
      return header
    }
    let isIPv4 = source.family == AF_INET
    let addressLength: UInt8 = isIPv4 ? 12 : 36
    header.reserveCapacity(16 + Int(addressLength))
    header += [0x21, isIPv4 ? 0x11 : 0x21, 0x00, addressLength]
    header += source.ipBytes
    header += destination.ipBytes
    header += [UInt8(source.port >> 8), UInt8(source.port & 0xFF)]
    header += [UInt8(destination.port >> 8), UInt8(destination.port & 0xFF)]
    return header
  }

  /// Both addresses in one IP family, unmapping IPv4-mapped IPv6 where that makes them IPv4;
  /// nil when no such pair exists.
  static func sameFamily(_ source: SocketAddress, _ destination: SocketAddress) -> (SocketAddress, SocketAddress)? {
    let sourceV4 = ipv4(source)
    let destinationV4 = ipv4(destination)
    if let sourceV4, let destinationV4 { return (sourceV4, destinationV4) }
    if source.family == AF_INET6, destination.family == AF_INET6 { return (source, destination) }
    return nil
  }

  /// The address as IPv4 when it is IPv4 or IPv4-mapped IPv6.
  static func ipv4(_ address: SocketAddress) -> SocketAddress? {
    switch address.family {
    case AF_INET:
      return address
    case AF_INET6:
      let bytes = address.ipBytes
      guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
      return SocketAddress(ipv4: bytes[12..<16], port: address.port)
    default:
      return nil
    }
  }
}
