#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension CIDR {
  static let example = "e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7"

  /// Parses `10.0.0.0/8`, `::/0`, `fd00::/8`, or a bare address meaning /32 or /128.
  ///
  /// A network with bits set past its prefix (`10.0.0.1/8`) is an error that names the network
  /// meant, rather than being masked quietly: it is usually a typo in the prefix or the address.
  public init(parsing text: String) throws(ValueError) {
    if text.isEmpty {
      throw ValueError("expected an address or network (\(Self.example))")
    }
    if text.contains("\0") || text.contains(where: \.isWhitespace) {
      throw ValueError("unexpected character in network '\(text)' (\(Self.example))")
    }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count <= 2 else {
      throw ValueError("'\(text)' has more than one '/' (\(Self.example))")
    }
    let host = String(parts[0])
    if host.contains("%") {
      throw ValueError("IPv6 zone IDs are not supported in '\(text)'")
    }
    if host.hasPrefix("[") {
      throw ValueError("write IPv6 networks without brackets, e.g. fd00::/8; got '\(text)'")
    }
    let bytes: [UInt8]
    if let v4 = EndpointParser.bytes(of: host, family: AF_INET) {
      bytes = v4
    } else if let v6 = EndpointParser.bytes(of: host, family: AF_INET6) {
      bytes = v6
    } else if host.isEmpty {
      throw ValueError("missing address before '/' in '\(text)' (\(Self.example))")
    } else if !host.contains(":"), host.contains(where: \.isLetter) {
      throw ValueError("host names cannot be used as networks ('\(host)'); use addresses (\(Self.example))")
    } else {
      throw ValueError("'\(host)' is not a valid IPv4 or IPv6 address (\(Self.example))")
    }
    let family: Endpoint.Family = bytes.count == 4 ? .ipv4 : .ipv6
    let maximum = family == .ipv4 ? 32 : 128
    var prefixLength = maximum
    if parts.count == 2 {
      let digits = parts[1]
      if digits.isEmpty {
        throw ValueError("missing prefix length after '/' in '\(text)'")
      }
      guard digits.allSatisfy(\.isASCIIDigit), let value = Int(digits), value <= maximum else {
        let name = family == .ipv4 ? "IPv4" : "IPv6"
        throw ValueError("prefix length '\(digits)' in '\(text)' is not between 0 and \(maximum) (\(name))")
      }
      prefixLength = value
    }
    let network = CIDR(family: family, bytes: bytes, prefixLength: prefixLength)
    if network.networkBytes != bytes {
      throw ValueError("'\(text)' has bits set past the /\(prefixLength) prefix; did you mean \(network)?")
    }
    self = network.unmapped
  }

  /// An IPv6 network inside ::ffff:0:0/96 as the IPv4 network it stands for, since `contains`
  /// reads IPv4-mapped addresses as IPv4; any other network unchanged.
  var unmapped: CIDR {
    guard family == .ipv6, prefixLength >= 96, networkBytes[0..<10].allSatisfy({ $0 == 0 }),
      networkBytes[10] == 0xFF, networkBytes[11] == 0xFF
    else {
      return self
    }
    return CIDR(family: .ipv4, bytes: Array(networkBytes[12...]), prefixLength: prefixLength - 96)
  }
}
