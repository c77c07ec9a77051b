/// Unsigned numbers in decimal, appended as ASCII digits to a byte array without an
/// intermediate `String`: for the access log and the addresses it writes.
public enum DecimalDigits {
  /// Appends `value`, zero-padded to at least `minimumWidth` digits.
  @inlinable
  public static func append(_ value: UInt64, minimumWidth: Int = 1, to bytes: inout [UInt8]) {
    var divisor: UInt64 = 1
    var width = 1
    while width < minimumWidth || divisor <= value / 10 {
      divisor *= 10
      width += 1
    }
    var rest = value
    while divisor > 0 {
      bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
      rest %= divisor
      divisor /= 10
    }
  }
}
