import Glibc

/// Host-name lookups with getaddrinfo(3), for servers configured by name.
///
/// Blocking: call it from a thread that may wait (start-up, the resolver thread), never from
/// an event loop.
public enum AddressResolver {
  /// A lookup that gave no usable address; `message` is gai_strerror's text.
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let message: String

    public var description: String { "cannot resolve '\(host)': \(message)" }
  }

  /// The TCP addresses of `host`, in the order getaddrinfo gives them (RFC 6724 preference,
  /// per /etc/gai.conf), without duplicates.
  public static func resolve(host: String, port: UInt16) throws(Failure) -> [SocketAddress] {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_protocol = Int32(IPPROTO_TCP)
    // Only families this host has an address of: no IPv6 answers on an IPv4-only machine.
    hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0 else {
      let message = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
      throw Failure(host: host, message: message)
    }
    defer { freeaddrinfo(list) }
    var addresses: [SocketAddress] = []
    var entry = list
    while let info = entry {
      if let raw = info.pointee.ai_addr, Int(info.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
          target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(info.pointee.ai_addrlen)))
        }
        let address = SocketAddress(storage: storage, length: info.pointee.ai_addrlen)
        if !addresses.contains(address) { addresses.append(address) }
      }
      entry = info.pointee.ai_next
    }
    if addresses.isEmpty { throw Failure(host: host, message: "no IPv4 or IPv6 address") }
    return addresses
  }
}
