/// Parses byte sizes such as `65536`, `64KiB`, `64k` and `1MiB`; all multiples are powers of 1024.
///
/// Decimal units (`KB`, `MB`) are rejected rather than guessed, because `1MB` meaning 1000000 or
/// 1048576 bytes is exactly the ambiguity that makes a pipe size silently round down.
enum SizeParser {
  static let units: [(names: [String], multiplier: Int)] = [
    (["", "B"], 1),
    (["KiB", "k", "K"], 1 << 10),
    (["MiB", "m", "M"], 1 << 20),
    (["GiB", "g", "G"], 1 << 30),
  ]

  static func parse(_ text: String) throws(ValueError) -> Int {
    let digits = text.prefix(while: \.isASCIIDigit)
    let unit = text.dropFirst(digits.count).drop(while: { $0 == " " })
    if digits.isEmpty {
      if text.hasPrefix("-") {
        throw ValueError("size must not be negative, got '\(text)'")
      }
      throw ValueError("expected a size in bytes, e.g. 65536, 64KiB or 1MiB; got '\(text)'")
    }
    if unit.first == "." {
      throw ValueError("fractions are not supported in '\(text)'; use a smaller unit (e.g. 1536KiB)")
    }
    guard let multiplier = units.first(where: { $0.names.contains(String(unit)) })?.multiplier else {
      throw ValueError("unknown size unit '\(unit)' in '\(text)' (use KiB or MiB, 1024-based)")
    }
    guard let value = Int(digits) else {
      throw ValueError("size '\(text)' is too large")
    }
    let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
    if overflow {
      throw ValueError("size '\(text)' is too large")
    }
    return bytes
  }

  /// The shortest exact spelling of `bytes`: `1MiB`, `64KiB` or `1000`.
  static func format(_ bytes: Int) -> String {
    if bytes != 0 && bytes % (1 << 20) == 0 {
      return "\(bytes >> 20)MiB"
    }
    if bytes != 0 && bytes % (1 << 10) == 0 {
      return "\(bytes >> 10)KiB"
    }
    return "\(bytes)"
  }
}
