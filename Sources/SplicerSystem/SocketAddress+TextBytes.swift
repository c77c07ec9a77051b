import Glibc

extension SocketAddress {
  /// Appends `description` as UTF-8, writing an IPv4 address digit by digit: the access log
  /// writes one per connection, and building the `String` cost more than the rest of the line.
  public func appendDescription(to bytes: inout [UInt8]) {
    guard family == AF_INET else {
      bytes.append(contentsOf: description.utf8)
      return
    }
    // s_addr in network order: its bytes in memory are the four octets, first to last.
    let octets = withSockAddr { pointer, _ in
      pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
    }
    withUnsafeBytes(of: octets) { raw in
      for index in 0..<4 {
        if index > 0 { bytes.append(UInt8(ascii: ".")) }
        DecimalDigits.append(UInt64(raw[index]), to: &bytes)
      }
    }
    bytes.append(UInt8(ascii: ":"))
    DecimalDigits.append(UInt64(port), to: &bytes)
  }
}
