import Glibc
import SplicerSystem

extension LogBuffer {
  /// Appends `address.description`, writing an IPv4 address digit by digit: the access log
  /// writes one per connection, and building the `String` cost more than the rest of the line.
  public mutating func append(address: SocketAddress) {
    guard address.family == AF_INET else {
      append(utf8: address.description)
      return
    }
    // s_addr in network order: its bytes in memory are the four octets, first to last.
    let octets = address.withSockAddr { pointer, _ in
      pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
    }
    withUnsafeBytes(of: octets) { raw in
      for index in 0..<4 {
        if index > 0 { append(UInt8(ascii: ".")) }
        appendDecimal(UInt64(raw[index]))
      }
    }
    append(UInt8(ascii: ":"))
    appendDecimal(UInt64(address.port))
  }
}
