/// Parses a server's `address`: `unix:/path`, a numeric address (through `EndpointParser`), or
/// `host.name:port`.
///
/// Whatever looks numeric (digits and dots only, or brackets, or several colons) goes to
/// `EndpointParser` and gets its messages, so `300.1.1.1:80` is reported as a bad IPv4 address
/// rather than accepted as a host name.
enum ServerAddressParser {
  static let example = "e.g. 10.0.0.1:8080, [::1]:8080, backend.internal:8080 or unix:/run/app.sock"
  static let unixPrefix = "unix:"
  /// sun_path holds 108 bytes including the terminating NUL.
  static let maximumUnixPathLength = 107

  static func parse(_ text: String) throws(ValueError) -> ServerAddress {
    if text.hasPrefix(unixPrefix) {
      return .unix(path: try unixPath(String(text.dropFirst(unixPrefix.count)), in: text))
    }
    if text.hasPrefix("/") {
      throw ValueError("unix socket addresses start with 'unix:', e.g. unix:\(text)")
    }
    if text.isEmpty || text.hasPrefix("[") || text.count(where: { $0 == ":" }) > 1 {
      return .ip(try EndpointParser.parse(text, allowPortZero: false))
    }
    let host = text.prefix { $0 != ":" }
    let looksNumeric = host.allSatisfy { $0.isASCIIDigit || $0 == "." }
    if looksNumeric || text.contains("\0") || text.contains(where: \.isWhitespace) {
      return .ip(try EndpointParser.parse(text, allowPortZero: false))
    }
    guard host.count < text.count else {
      throw ValueError("missing port in '\(text)' (e.g. \(host.lowercased()):8080)")
    }
    let port = try EndpointParser.parsePort(text.dropFirst(host.count + 1), in: text, allowZero: false)
    let name = host.lowercased()
    if name.isEmpty {
      throw ValueError("missing host in '\(text)' (\(example))")
    }
    if let problem = HostNameSyntax.problem(in: name) {
      throw ValueError("bad host name in '\(text)': \(problem)")
    }
    return .hostname(name, port: port)
  }

  private static func unixPath(_ path: String, in text: String) throws(ValueError) -> String {
    if path.isEmpty {
      throw ValueError("missing path after 'unix:' (e.g. unix:/run/app.sock)")
    }
    if path.contains("\0") {
      throw ValueError("unix socket path in '\(text)' contains a NUL byte")
    }
    guard path.hasPrefix("/") else {
      throw ValueError("unix socket path '\(path)' must be absolute (start with /)")
    }
    let length = path.utf8.count
    guard length <= maximumUnixPathLength else {
      throw ValueError(
        "unix socket path is \(length) bytes; the kernel takes at most \(maximumUnixPathLength)")
    }
    return path
  }
}
