/// The rules for a `discover.srv` name: `_service._proto.domain` (RFC 2782), labels of ASCII
/// letters, digits, hyphens and underscores, each 1-63 bytes, at most 253 bytes in all.
///
/// Host names (`HostNameSyntax`) allow no underscore, so SRV names have rules of their own.
/// Callers lowercase and drop one trailing dot first.
enum SRVNameSyntax {
  static let example = "e.g. _http._tcp.example.com"

  /// Why `name` is not an SRV name, or nil if it is one.
  static func problem(in name: String) -> String? {
    let bytes = Array(name.utf8)
    if bytes.isEmpty || bytes.count > HostNameSyntax.maximumLength {
      return "'\(name)' must be 1 to \(HostNameSyntax.maximumLength) characters"
    }
    let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    for label in labels {
      if label.isEmpty || label.count > HostNameSyntax.maximumLabelLength {
        return "'\(name)' has an empty label or one longer than \(HostNameSyntax.maximumLabelLength) characters"
      }
      let allowed = label.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
          || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
      }
      if !allowed {
        return "'\(name)' may hold only letters, digits, '-', '_' and '.'"
      }
    }
    // A service and a protocol label, then at least one label of domain.
    if labels.count < 3 || labels[0].first != UInt8(ascii: "_") || labels[1].first != UInt8(ascii: "_") {
      return "'\(name)' is not of the form _service._proto.domain (\(example))"
    }
    return nil
  }
}
