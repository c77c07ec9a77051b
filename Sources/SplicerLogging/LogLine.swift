import SplicerConfig

/// One log line being written as bytes: the time, the level and the message, then fields in
/// the order the caller adds them (callers add keys sorted, as `StructuredLogHandler` does).
///
/// JSON lines are one object with every value a string; logfmt lines are `key=value` pairs
/// with a value quoted only when it must be. The builder appends to a caller-owned byte
/// array, so a worker reuses one allocation for every access-log line it writes.
public struct LogLine {
  private let format: LogConfig.Format

  /// Starts a line in `bytes` (which the caller may have emptied and kept for reuse).
  public init(
    into bytes: inout [UInt8], format: LogConfig.Format, time: LogTimestamp, level: String, message: String
  ) {
    self.format = format
    switch format {
    case .json:
      bytes.append(contentsOf: #"{"time":""#.utf8)
      time.append(to: &bytes)
      bytes.append(contentsOf: #"","level":""#.utf8)
      bytes.append(contentsOf: level.utf8)
      bytes.append(contentsOf: #"","message":"#.utf8)
      LogEscaping.appendJSONString(message, to: &bytes)
    case .logfmt:
      bytes.append(contentsOf: "time=".utf8)
      time.append(to: &bytes)
      bytes.append(contentsOf: " level=".utf8)
      bytes.append(contentsOf: level.utf8)
      bytes.append(contentsOf: " message=".utf8)
      LogEscaping.appendLogfmtValue(message, to: &bytes)
    }
  }

  /// Adds `key` with a text value.
  public func field(_ key: String, _ value: String, to bytes: inout [UInt8]) {
    switch format {
    case .json:
      bytes.append(UInt8(ascii: ","))
      LogEscaping.appendJSONString(key, to: &bytes)
      bytes.append(UInt8(ascii: ":"))
      LogEscaping.appendJSONString(value, to: &bytes)
    case .logfmt:
      bytes.append(UInt8(ascii: " "))
      bytes.append(contentsOf: key.utf8)
      bytes.append(UInt8(ascii: "="))
      LogEscaping.appendLogfmtValue(value, to: &bytes)
    }
  }

  /// Adds `key` with an unsigned number, written without an intermediate string.
  public func field(_ key: String, _ value: UInt64, to bytes: inout [UInt8]) {
    switch format {
    case .json:
      bytes.append(UInt8(ascii: ","))
      LogEscaping.appendJSONString(key, to: &bytes)
      bytes.append(contentsOf: #":""#.utf8)
      Self.appendDecimal(value, to: &bytes)
      bytes.append(UInt8(ascii: "\""))
    case .logfmt:
      bytes.append(UInt8(ascii: " "))
      bytes.append(contentsOf: key.utf8)
      bytes.append(UInt8(ascii: "="))
      Self.appendDecimal(value, to: &bytes)
    }
  }

  /// Ends the line: the closing brace for JSON, and the newline.
  public func finish(_ bytes: inout [UInt8]) {
    if format == .json { bytes.append(UInt8(ascii: "}")) }
    bytes.append(UInt8(ascii: "\n"))
  }

  static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
    guard value >= 10 else {
      bytes.append(UInt8(ascii: "0") + UInt8(value))
      return
    }
    // 20 digits at most, written backwards into scratch space on the stack.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
      var rest = value
      var index = scratch.count
      repeat {
        index -= 1
        scratch[index] = UInt8(ascii: "0") + UInt8(rest % 10)
        rest /= 10
      } while rest > 0
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[index...]))
    }
  }
}
