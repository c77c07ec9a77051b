/// Parses bandwidths such as `100Mbit/s`, `1.5Gbit/s`, `10MB/s` and `10MiB/s` into bytes per
/// second, the unit the kernel paces in.
///
/// Bit units and `kB`/`MB`/`GB` are SI (×1000); `KiB`/`MiB`/`GiB` are 1024-based. A unit is
/// required, with its `/s`: a bare number could be bits or bytes, a factor of eight apart.
/// Bit rates are rounded down to whole bytes.
enum RateParser {
  static let example = "100Mbit/s, 10MB/s or 10MiB/s"

  /// Unit names (without `/s`), whether they count bits, and their multiplier.
  static let units: [(names: [String], bits: Bool, multiplier: Int)] = [
    (["bit"], true, 1),
    (["kbit", "Kbit"], true, 1_000),
    (["Mbit"], true, 1_000_000),
    (["Gbit"], true, 1_000_000_000),
    (["B"], false, 1),
    (["kB", "KB"], false, 1_000),
    (["MB"], false, 1_000_000),
    (["GB"], false, 1_000_000_000),
    (["KiB"], false, 1 << 10),
    (["MiB"], false, 1 << 20),
    (["GiB"], false, 1 << 30),
  ]

  /// The `bps` spellings, which count bits: refused (they are not in the units above), but
  /// named in the error.
  static let bitsPerSecondSpellings = [
    "bps": "bit/s", "kbps": "kbit/s", "Kbps": "kbit/s", "Mbps": "Mbit/s", "Gbps": "Gbit/s",
  ]

  /// The most fraction digits read; more would only round away.
  static let maximumFractionDigits = 9

  static func parse(_ text: String) throws(ValueError) -> Int {
    if text.hasPrefix("-") {
      throw ValueError("rate must not be negative, got '\(text)'")
    }
    let whole = text.prefix(while: \.isASCIIDigit)
    var rest = text.dropFirst(whole.count)
    var fraction = Substring("")
    if rest.first == "." {
      fraction = rest.dropFirst().prefix(while: \.isASCIIDigit)
      rest = rest.dropFirst(1 + fraction.count)
    }
    guard !whole.isEmpty || !fraction.isEmpty else {
      throw ValueError("expected a rate such as \(example); got '\(text)'")
    }
    let unitText = rest.drop(while: { $0 == " " })
    guard unitText.hasSuffix("/s"), let unit = unit(named: String(unitText.dropLast(2))) else {
      throw ValueError(unitProblem(String(unitText), in: text))
    }
    guard fraction.count <= maximumFractionDigits else {
      throw ValueError("too many decimals in '\(text)' (at most \(maximumFractionDigits))")
    }
    guard let value = scaled(whole: whole, fraction: fraction, by: unit.multiplier) else {
      throw ValueError("rate '\(text)' is too large")
    }
    let bytes = unit.bits ? value / 8 : value
    if value == 0 {
      throw ValueError("rate must be greater than 0, got '\(text)'")
    }
    if bytes == 0 {
      throw ValueError("rate '\(text)' is below 1 byte per second")
    }
    return bytes
  }

  private static func unit(named name: String) -> (bits: Bool, multiplier: Int)? {
    units.first { $0.names.contains(name) }.map { ($0.bits, $0.multiplier) }
  }

  /// `whole.fraction × multiplier`, rounded down; nil on overflow.
  private static func scaled(whole: Substring, fraction: Substring, by multiplier: Int) -> Int? {
    var tenths = 1
    for _ in fraction { tenths *= 10 }
    guard let wholeValue = whole.isEmpty ? 0 : Int(whole), let fractionValue = fraction.isEmpty ? 0 : Int(fraction)
    else { return nil }
    let (product, overflow) = wholeValue.multipliedReportingOverflow(by: multiplier)
    let (fractionProduct, fractionOverflow) = fractionValue.multipliedReportingOverflow(by: multiplier)
    guard !overflow, !fractionOverflow else { return nil }
    let (sum, sumOverflow) = product.addingReportingOverflow(fractionProduct / tenths)
    return sumOverflow ? nil : sum
  }

  /// Why `unit` is not a rate unit, with the nearest known spelling when there is one.
  private static func unitProblem(_ unit: String, in text: String) -> String {
    let names = units.flatMap(\.names).map { "\($0)/s" }
    if unit.isEmpty {
      return "'\(text)' needs a unit, e.g. \(example) (a bare number could be bits or bytes)"
    }
    let hint: String
    if let bits = bitsPerSecondSpellings[unit] {
      // Closest by spelling would be the byte unit (`Mbps` → `MB/s`), eight times too fast.
      hint = " (did you mean '\(bits)'?)"
    } else if !unit.hasSuffix("/s") && Self.unit(named: unit) != nil {
      // A size unit without its `/s` is one edit too far for the general hint on short names.
      hint = " (did you mean '\(unit)/s'?)"
    } else {
      hint = KeySuggestion.hint(for: unit, among: names)
    }
    let choices =
      hint.isEmpty ? " (use bit/s, kbit/s, Mbit/s, Gbit/s, B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s or GiB/s)" : hint
    return "unknown rate unit '\(unit)' in '\(text)'\(choices)"
  }

  /// The shortest exact spelling of `bytes` per second, for messages and logs: `12500000` is
  /// `100Mbit/s`, `1048576` is `1MiB/s`.
  static func format(_ bytes: Int) -> String {
    for (name, multiplier) in [("Gbit", 1_000_000_000), ("Mbit", 1_000_000), ("kbit", 1_000)] {
      let bits = bytes.multipliedReportingOverflow(by: 8)
      if !bits.overflow, bits.partialValue % multiplier == 0, bits.partialValue >= multiplier {
        return "\(bits.partialValue / multiplier)\(name)/s"
      }
    }
    if bytes != 0 && bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB/s" }
    if bytes != 0 && bytes % (1 << 10) == 0 { return "\(bytes >> 10)KiB/s" }
    return "\(bytes)B/s"
  }
}
