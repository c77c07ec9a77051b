/// YAML 1.1's implicit typing, with the rules and precedence of the resolver Splicer used before
/// (Yams' default resolver: bool, int, float, then null), written out by hand instead of as
/// regular expressions.
extension YAMLScalar.Kind {
  private static let yamlTagPrefix = "tag:yaml.org,2002:"

  /// The kind of a scalar as libyaml reports it.
  ///
  /// - Parameters:
  ///   - tag: the expanded tag (`!!int` arrives as `tag:yaml.org,2002:int`), nil when none was
  ///     written.
  ///   - quotedImplicit: libyaml's `quoted_implicit`: a quoted or block scalar without a tag,
  ///     which is a string whatever its text.
  init(tag: String?, quotedImplicit: Bool, text: String) {
    if quotedImplicit {
      self = .string
    } else if let tag {
      switch tag {
      case Self.yamlTagPrefix + "null": self = .null
      case Self.yamlTagPrefix + "bool": self = .bool
      case Self.yamlTagPrefix + "int": self = .int
      case Self.yamlTagPrefix + "float": self = .float
      // The non-specific tag `!`, and every other tag: a string for the config's purposes.
      default: self = .string
      }
    } else {
      self = Self.resolve(plain: text)
    }
  }

  /// The kind of an untagged plain scalar.
  static func resolve(plain text: String) -> Self {
    let bytes = ArraySlice(text.utf8)
    if boolWords.contains(text) { return .bool }
    if isInt(bytes) { return .int }
    if isFloat(bytes) { return .float }
    if ["", "~", "null", "Null", "NULL"].contains(text) { return .null }
    return .string
  }

  private static let boolWords: Set<String> = [
    "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF",
  ]

  /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+`
  /// `| [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
  static func isInt(_ bytes: ArraySlice<UInt8>) -> Bool {
    let body = unsigned(bytes)
    // A leading 0 followed by more settles the form: no other alternative starts that way, so
    // the first prefix that fits decides (`0b`, `0x`, `0o`, then plain octal digits like `0100`).
    for (prefix, allowed) in [
      ("0b", "01_"), ("0x", "0123456789abcdefABCDEF_"), ("0o", "01234567_"), ("0", "01234567_"),
    ]
    where body.starts(with: prefix.utf8) && body.count > prefix.utf8.count {
      return all(body.dropFirst(prefix.utf8.count), in: allowed)
    }
    if body.elementsEqual("0".utf8) {
      return true
    }
    guard let first = body.first, "123456789".utf8.contains(first) else {
      return false
    }
    let groups = body.split(separator: colon, omittingEmptySubsequences: false)
    return all(groups[0], in: decimalOrUnderscore) && groups.dropFirst().allSatisfy(isSexagesimalGroup)
  }

  /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)?`
  /// `| [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
  static func isFloat(_ bytes: ArraySlice<UInt8>) -> Bool {
    let body = unsigned(bytes)
    let text = String(decoding: body, as: UTF8.self)
    if [".inf", ".Inf", ".INF"].contains(text) {
      return true
    }
    if body.first == point {
      // `.5`, `.5e+3`, `.nan`: no sign before the point, and the exponent's sign is required.
      guard body.count == bytes.count else { return false }
      if [".nan", ".NaN", ".NAN"].contains(text) { return true }
      let (fraction, exponent) = splitExponent(body.dropFirst())
      return !fraction.isEmpty && all(fraction, in: decimalOrUnderscore)
        && (exponent.map { isExponent($0, signRequired: true) } ?? true)
    }
    guard let first = body.first, decimal.utf8.contains(first) else {
      return false
    }
    if body.contains(colon) {
      // Sexagesimal: `190:20:30.15`.
      guard let pointIndex = body.firstIndex(of: point) else { return false }
      let groups = body[..<pointIndex].split(separator: colon, omittingEmptySubsequences: false)
      return groups.count > 1 && all(groups[0], in: decimalOrUnderscore)
        && groups.dropFirst().allSatisfy(isSexagesimalGroup)
        && all(body[(pointIndex + 1)...], in: decimalOrUnderscore)
    }
    let (mantissa, exponent) = splitExponent(body)
    let parts = mantissa.split(separator: point, maxSplits: 1, omittingEmptySubsequences: false)
    return parts.allSatisfy { all($0, in: decimalOrUnderscore) }
      && (exponent.map { isExponent($0, signRequired: false) } ?? true)
  }

  private static let decimal = "0123456789"
  private static let decimalOrUnderscore = "0123456789_"
  private static let colon = UInt8(ascii: ":")
  private static let point = UInt8(ascii: ".")

  private static func all(_ bytes: ArraySlice<UInt8>, in allowed: String) -> Bool {
    bytes.allSatisfy { allowed.utf8.contains($0) }
  }

  /// `bytes` without one leading `+` or `-`.
  private static func unsigned(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    guard let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") else { return bytes }
    return bytes.dropFirst()
  }

  /// The part before the first `e` or `E`, and the digits after it (nil without an exponent).
  private static func splitExponent(
    _ bytes: ArraySlice<UInt8>
  ) -> (mantissa: ArraySlice<UInt8>, exponent: ArraySlice<UInt8>?) {
    guard let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) else {
      return (bytes, nil)
    }
    return (bytes[..<e], bytes[(e + 1)...])
  }

  /// `[-+]?[0-9]+`, or `[-+][0-9]+` when the sign is required.
  private static func isExponent(_ bytes: ArraySlice<UInt8>, signRequired: Bool) -> Bool {
    let digits = unsigned(bytes)
    if signRequired && digits.count == bytes.count { return false }
    return !digits.isEmpty && all(digits, in: decimal)
  }

  /// `[0-5]?[0-9]`: one digit, or two of which the first is 0 to 5.
  private static func isSexagesimalGroup(_ group: ArraySlice<UInt8>) -> Bool {
    switch group.count {
    case 1: return all(group, in: decimal)
    case 2: return "012345".utf8.contains(group[group.startIndex]) && all(group.dropFirst(), in: decimal)
    default: return false
    }
  }
}
