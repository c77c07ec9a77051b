/// What a health check's reply is judged by: whether it contains the expected bytes, and the
/// status code of an HTTP/1.x status line. Pure, so that it is tested on byte strings.
///
/// Used by the health probe on the checker's thread, never on the relay path; `httpStatus`
/// decodes the one complete status line into a `String`.
public enum ReplyMatcher {
  /// Whether `needle` occurs in `haystack` (an empty needle always does).
  public static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
  }

  /// The status code of an HTTP/1.x status line, once the line is complete.
  public static func httpStatus(_ reply: [UInt8]) -> Int? {
    guard let end = reply.firstIndex(of: 0x0A) else { return nil }
    var lineEnd = end
    if lineEnd > 0 && reply[lineEnd - 1] == 0x0D { lineEnd -= 1 }
    let line = String(decoding: reply[..<lineEnd], as: UTF8.self)
    let parts = line.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]),
      (100...599).contains(code)
    else { return nil }
    return code
  }
}
