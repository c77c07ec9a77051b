/// How a text becomes a JSON string or a logfmt value, byte by byte over its UTF-8.
///
/// JSON: `"` and `\` are escaped, the control characters below 0x20 become `\n`, `\r`, `\t`
/// or `\u00XX`; every other byte (UTF-8 sequences included) is copied. logfmt: a value is
/// written bare unless it is empty or holds a space, `=`, `"` or a line break, and then it
/// is written as a JSON string.
enum LogEscaping {
  static func appendJSONString(_ text: String, to bytes: inout LogBuffer) {
    bytes.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { appendJSONEscaped($0, to: &bytes) }
    bytes.append(UInt8(ascii: "\""))
  }

  private static func appendJSONEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout LogBuffer) {
    var copiedUpTo = 0
    for index in utf8.indices {
      let byte = utf8[index]
      guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
      bytes.append(UnsafeBufferPointer(rebasing: utf8[copiedUpTo..<index]))
      copiedUpTo = index + 1
      switch byte {
      case UInt8(ascii: "\""): bytes.append(literal: #"\""#)
      case UInt8(ascii: "\\"): bytes.append(literal: #"\\"#)
      case UInt8(ascii: "\n"): bytes.append(literal: #"\n"#)
      case UInt8(ascii: "\r"): bytes.append(literal: #"\r"#)
      case UInt8(ascii: "\t"): bytes.append(literal: #"\t"#)
      default:
        bytes.append(literal: #"\u00"#)
        bytes.append(hexDigit(byte >> 4))
        bytes.append(hexDigit(byte & 0xF))
      }
    }
    bytes.append(UnsafeBufferPointer(rebasing: utf8[copiedUpTo...]))
  }

  static func appendLogfmtValue(_ text: String, to bytes: inout LogBuffer) {
    if logfmtNeedsQuotes(text) {
      appendJSONString(text, to: &bytes)
    } else {
      bytes.append(utf8: text)
    }
  }

  static func logfmtNeedsQuotes(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { logfmtNeedsQuotes($0) }
  }

  private static func logfmtNeedsQuotes(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    if utf8.isEmpty { return true }
    var previous: UInt8 = 0
    var beforePrevious: UInt8 = 0
    for byte in utf8 {
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "="), UInt8(ascii: "\""), 0x0A...0x0D: return true
      // U+0085 (C2 85), U+2028 and U+2029 (E2 80 A8/A9): the other line breaks.
      case 0x85 where previous == 0xC2: return true
      case 0xA8 where previous == 0x80 && beforePrevious == 0xE2: return true
      case 0xA9 where previous == 0x80 && beforePrevious == 0xE2: return true
      default: break
      }
      beforePrevious = previous
      previous = byte
    }
    return false
  }

  private static func hexDigit(_ value: UInt8) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
  }
}
