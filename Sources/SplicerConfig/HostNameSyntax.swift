/// The host name rules shared by SNI patterns and server addresses: LDH labels (ASCII letters,
/// digits and hyphens, no hyphen at either end), each 1-63 bytes, at most 253 bytes in all, no
/// trailing dot, and a last label that is not all digits (that would be a mistyped IPv4 address).
///
/// Callers lowercase first; the rules are checked on the UTF-8 bytes, so that non-ASCII names are
/// refused here (they would have to be written in their `xn--` form) instead of compared loosely.
enum HostNameSyntax {
  static let maximumLength = 253
  static let maximumLabelLength = 63

  /// Why `name` is not a valid host name, or nil if it is one.
  static func problem(in name: String) -> String? {
    let bytes = Array(name.utf8)
    if bytes.isEmpty {
      return "the name is empty"
    }
    if bytes.count > maximumLength {
      return "'\(name)' is longer than \(maximumLength) characters"
    }
    if bytes.last == UInt8(ascii: ".") {
      return "'\(name)' must not end with '.'"
    }
    let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    for label in labels {
      if let problem = labelProblem(label, in: name) {
        return problem
      }
    }
    if let last = labels.last, last.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
      return "'\(name)' is not a host name: its last label is all digits"
    }
    return nil
  }

  private static func labelProblem(_ label: ArraySlice<UInt8>, in name: String) -> String? {
    if label.isEmpty {
      return "'\(name)' has an empty label (two dots in a row, or a leading dot)"
    }
    if label.count > maximumLabelLength {
      return "a label of '\(name)' is longer than \(maximumLabelLength) characters"
    }
    if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
      return "a label of '\(name)' starts or ends with '-'"
    }
    for byte in label where !isLDH(byte) {
      let shown = byte < 0x80 ? "'\(Character(Unicode.Scalar(byte)))'" : "a non-ASCII character"
      return "'\(name)' contains \(shown); host names take letters, digits, '-' and '.' (IDNs in xn-- form)"
    }
    return nil
  }

  private static func isLDH(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): true
    default: false
    }
  }
}
