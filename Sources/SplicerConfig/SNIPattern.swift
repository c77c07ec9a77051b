/// A server name that a route matches in the TLS ClientHello's SNI: an exact name
/// (`api.example.com`) or a wildcard (`*.example.com`).
///
/// A wildcard stands for one or more whole leftmost labels, as in nginx's `server_name`:
/// `*.example.com` matches `a.example.com` and `a.b.example.com`, never `example.com` itself
/// (list both when both are meant). The wildcard must be the whole leftmost label and may not
/// stand alone; a one-label suffix such as `*.internal` is allowed, since routing by a private
/// top-level name is ordinary. Patterns are stored lowercased and compared on UTF-8 bytes.
public struct SNIPattern: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// The whole name must be equal.
    case exact
    /// One or more labels followed by the suffix.
    case wildcard
  }

  public let kind: Kind
  /// The name for `.exact`; the part after `*.` for `.wildcard`.
  public let name: String
  // ".example.com" for a wildcard: a match ends with these bytes and has at least one more.
  private let dottedSuffix: String

  /// Parses `api.example.com` or `*.example.com`, lowercasing it.
  public init(parsing text: String) throws(ValueError) {
    let lowered = text.lowercased()
    if lowered.isEmpty {
      throw ValueError("expected a server name such as api.example.com or *.example.com")
    }
    if lowered == "*" {
      throw ValueError("'*' alone matches every name; route those with the listener's 'pool' instead")
    }
    let kind: Kind
    let name: String
    if lowered.hasPrefix("*.") {
      kind = .wildcard
      name = String(lowered.dropFirst(2))
    } else {
      kind = .exact
      name = lowered
    }
    if name.contains("*") {
      throw ValueError(
        "'\(text)': a wildcard must be the whole leftmost label, as in *.example.com")
    }
    if let problem = HostNameSyntax.problem(in: name) {
      throw ValueError("bad server name '\(text)': \(problem)")
    }
    self.kind = kind
    self.name = name
    self.dottedSuffix = kind == .wildcard ? "." + name : ""
  }

  /// Whether a server name, already lowercased by the caller, matches this pattern.
  public func matches(_ lowercasedName: String) -> Bool {
    switch kind {
    case .exact:
      return lowercasedName.utf8.elementsEqual(name.utf8)
    case .wildcard:
      let nameBytes = lowercasedName.utf8
      let suffixBytes = dottedSuffix.utf8
      guard nameBytes.count > suffixBytes.count else { return false }
      return nameBytes.suffix(suffixBytes.count).elementsEqual(suffixBytes)
    }
  }

  public var description: String {
    kind == .wildcard ? "*.\(name)" : name
  }
}
