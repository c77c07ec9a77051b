extension Character {
  /// `0`-`9` only; `isNumber` would also accept other scripts' digits and fractions like `½`.
  var isASCIIDigit: Bool {
    guard let ascii = asciiValue else { return false }
    return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
  }
}
