#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Parses `a.b.c.d:port` and `[IPv6]:port` into an `Endpoint`, checking the address with inet_pton.
///
/// The host text is rewritten by inet_ntop, so `[0::1]:80` and `[::1]:80` yield equal endpoints and
/// duplicate checks compare addresses, not spellings. Host names are rejected here: this parser is
/// for the addresses Splicer binds (listeners, admin). Servers may also be host names or unix
/// sockets; `ServerAddressParser` reads those and hands numeric ones to this parser.
enum EndpointParser {
  static let example = "e.g. 127.0.0.1:8080 or [::1]:8080"

  /// - Parameter allowPortZero: true for listener binds, where port 0 asks the kernel for a free port.
  static func parse(_ text: String, allowPortZero: Bool) throws(ValueError) -> Endpoint {
    if text.isEmpty {
      throw ValueError("expected an address with a port (\(example))")
    }
    if text.contains("\0") || text.contains(where: \.isWhitespace) {
      throw ValueError("unexpected character in address '\(text)' (\(example))")
    }
    if text.hasPrefix("[") {
      return try parseBracketed(text, allowPortZero: allowPortZero)
    }

    let colons = text.count { $0 == ":" }
    if colons > 1 {
      throw ValueError("IPv6 addresses must be in brackets with a port, e.g. [::1]:8080; got '\(text)'")
    }
    guard let colon = text.firstIndex(of: ":") else {
      if normalize(text, family: AF_INET) == nil && text.contains(where: \.isLetter) {
        throw hostNameError(text)
      }
      throw ValueError("missing port in '\(text)' (\(example))")
    }
    let host = String(text[..<colon])
    let port = try parsePort(text[text.index(after: colon)...], in: text, allowZero: allowPortZero)
    if host.isEmpty {
      throw ValueError("missing host in '\(text)' (use 0.0.0.0 for every IPv4 address, or [::] for IPv6)")
    }
    guard let normalized = normalize(host, family: AF_INET) else {
      if host.contains(where: \.isLetter) {
        throw hostNameError(host)
      }
      throw ValueError("'\(host)' is not a valid IPv4 address (\(example))")
    }
    return Endpoint(family: .ipv4, host: normalized, port: port)
  }

  private static func hostNameError(_ host: String) -> ValueError {
    ValueError(
      "listeners bind numeric addresses, not host names ('\(host)'); use e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::]:8080"
    )
  }

  private static func parseBracketed(_ text: String, allowPortZero: Bool) throws(ValueError) -> Endpoint {
    guard let close = text.firstIndex(of: "]") else {
      throw ValueError("missing ']' in '\(text)' (\(example))")
    }
    let host = String(text[text.index(after: text.startIndex)..<close])
    let afterHost = text[text.index(after: close)...]
    guard afterHost.first == ":" else {
      if afterHost.isEmpty {
        throw ValueError("missing port in '\(text)' (e.g. [\(host)]:8080)")
      }
      throw ValueError("expected ':' and a port after ']' in '\(text)'")
    }
    let port = try parsePort(afterHost.dropFirst(), in: text, allowZero: allowPortZero)
    guard let normalized = normalize(host, family: AF_INET6) else {
      if normalize(host, family: AF_INET) != nil {
        throw ValueError("brackets are for IPv6 addresses only; write \(host):\(port)")
      }
      if host.contains("%") {
        throw ValueError("IPv6 zone IDs ('\(host)') are not supported")
      }
      throw ValueError("'\(host)' is not a valid IPv6 address (\(example))")
    }
    return Endpoint(family: .ipv6, host: normalized, port: port)
  }

  static func parsePort(
    _ digits: Substring, in text: String, allowZero: Bool
  ) throws(ValueError) -> UInt16 {
    let lowest = allowZero ? 0 : 1
    if digits.isEmpty {
      throw ValueError("missing port after ':' in '\(text)' (\(example))")
    }
    guard digits.allSatisfy(\.isASCIIDigit) else {
      throw ValueError("'\(digits)' is not a port number in '\(text)'")
    }
    guard let port = Int(digits), port >= lowest, port <= 65535 else {
      throw ValueError("port \(digits) is out of range (\(lowest)-65535)")
    }
    return UInt16(port)
  }

  /// The canonical text of a numeric address, or nil if inet_pton rejects it.
  static func normalize(_ host: String, family: Int32) -> String? {
    guard let bytes = bytes(of: host, family: family) else { return nil }
    return format(bytes, family: family)
  }

  /// The 4 or 16 bytes of a numeric address in network order, or nil if inet_pton rejects it.
  static func bytes(of host: String, family: Int32) -> [UInt8]? {
    var storage = in6_addr()  // large enough for either family
    let parsed = withUnsafeMutableBytes(of: &storage) { bytes in
      inet_pton(family, host, bytes.baseAddress)
    }
    guard parsed == 1 else { return nil }
    return withUnsafeBytes(of: &storage) { Array($0.prefix(family == AF_INET ? 4 : 16)) }
  }

  /// inet_ntop's text for 16 address bytes, e.g. `fd00::` or `::ffff:10.0.0.1`.
  static func format(ipv6 bytes: [UInt8]) -> String {
    format(bytes, family: AF_INET6) ?? bytes.map { String($0, radix: 16) }.joined(separator: ":")
  }

  private static func format(_ address: [UInt8], family: Int32) -> String? {
    var storage = in6_addr()
    withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: address) }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let written = withUnsafeBytes(of: &storage) { bytes in
      inet_ntop(family, bytes.baseAddress, &buffer, socklen_t(buffer.count))
    }
    guard written != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
