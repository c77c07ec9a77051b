import Glibc
import SplicerConfig
import SplicerSystem

/// One log line being written as bytes: the time, the level and the message, then fields in
/// the order the caller adds them (callers add keys sorted, as `StructuredLogHandler` does).
///
/// JSON lines are one object with every value a string; logfmt lines are `key=value` pairs
/// with a value quoted only when it must be. The builder appends to a caller-owned byte
/// array, so a worker reuses one allocation for every access-log line it writes. Keys given
/// as `StaticString` are the access log's fixed names, written as they are (they need no
/// escaping); numbers, durations and addresses are written without an intermediate `String`.
public struct LogLine {
  private let format: LogConfig.Format

  /// Starts a line in `bytes` (which the caller may have emptied and kept for reuse).
  public init(
    into bytes: inout LogBuffer, format: LogConfig.Format, time: LogTimestamp, level: String, message: String
  ) {
    var formatter = LogTimeFormatter()
    self.init(into: &bytes, format: format, time: time, formatter: &formatter, level: level, message: message)
  }

  /// Starts a line, formatting the time with the caller's `formatter`.
  public init(
    into bytes: inout LogBuffer, format: LogConfig.Format, time: LogTimestamp, formatter: inout LogTimeFormatter,
    level: String, message: String
  ) {
    self.format = format
    switch format {
    case .json:
      bytes.append(literal: #"{"time":""#)
      formatter.append(time, to: &bytes)
      bytes.append(literal: #"","level":""#)
      bytes.append(utf8: level)
      bytes.append(literal: #"","message":"#)
      LogEscaping.appendJSONString(message, to: &bytes)
    case .logfmt:
      bytes.append(literal: "time=")
      formatter.append(time, to: &bytes)
      bytes.append(literal: " level=")
      bytes.append(utf8: level)
      bytes.append(literal: " message=")
      LogEscaping.appendLogfmtValue(message, to: &bytes)
    }
  }

  /// Adds `key`, a name known only at run time (swift-log metadata), with a text value.
  public func field(named key: String, _ value: String, to bytes: inout LogBuffer) {
    switch format {
    case .json:
      bytes.append(UInt8(ascii: ","))
      LogEscaping.appendJSONString(key, to: &bytes)
      bytes.append(UInt8(ascii: ":"))
      LogEscaping.appendJSONString(value, to: &bytes)
    case .logfmt:
      bytes.append(UInt8(ascii: " "))
      bytes.append(utf8: key)
      bytes.append(UInt8(ascii: "="))
      LogEscaping.appendLogfmtValue(value, to: &bytes)
    }
  }

  /// Adds a fixed key with a text value.
  public func field(_ key: StaticString, _ value: String, to bytes: inout LogBuffer) {
    appendKey(key, to: &bytes)
    switch format {
    case .json: LogEscaping.appendJSONString(value, to: &bytes)
    case .logfmt: LogEscaping.appendLogfmtValue(value, to: &bytes)
    }
  }

  /// Adds a fixed key with an unsigned number in decimal.
  public func field(_ key: StaticString, _ value: UInt64, to bytes: inout LogBuffer) {
    bare(key, to: &bytes) { $0.appendDecimal(value) }
  }

  /// Adds a fixed key with a duration in milliseconds: whole microseconds, written as
  /// `Double(nanoseconds / 1000) / 1000` prints (`0.068`, `12.5`, `2500.0`).
  public func field(_ key: StaticString, milliseconds nanoseconds: UInt64, to bytes: inout LogBuffer) {
    bare(key, to: &bytes) { Self.appendMilliseconds(nanoseconds, to: &$0) }
  }

  /// Adds a fixed key with an address as `SocketAddress.description` writes it.
  public func field(_ key: StaticString, address: SocketAddress, to bytes: inout LogBuffer) {
    guard address.family == AF_INET else {
      field(key, address.description, to: &bytes)
      return
    }
    // `a.b.c.d:port` never needs quoting or escaping.
    bare(key, to: &bytes) { $0.append(address: address) }
  }

  /// Ends the line: the closing brace for JSON, and the newline.
  public func finish(_ bytes: inout LogBuffer) {
    if format == .json { bytes.append(UInt8(ascii: "}")) }
    bytes.append(UInt8(ascii: "\n"))
  }

  /// The key and a value that needs neither escaping nor logfmt quotes.
  private func bare(_ key: StaticString, to bytes: inout LogBuffer, value: (inout LogBuffer) -> Void) {
    appendKey(key, to: &bytes)
    if format == .json { bytes.append(UInt8(ascii: "\"")) }
    value(&bytes)
    if format == .json { bytes.append(UInt8(ascii: "\"")) }
  }

  private func appendKey(_ key: StaticString, to bytes: inout LogBuffer) {
    let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
    switch format {
    case .json:
      bytes.append(literal: #",""#)
      bytes.append(name)
      bytes.append(literal: #"":"#)
    case .logfmt:
      bytes.append(UInt8(ascii: " "))
      bytes.append(name)
      bytes.append(UInt8(ascii: "="))
    }
  }

  static func appendDecimal(_ value: UInt64, to bytes: inout LogBuffer) {
    bytes.appendDecimal(value)
  }

  /// The shortest decimal of `Double(nanoseconds / 1000) / 1000`, which for whole microseconds
  /// below 2^53 is the exact value with its trailing zeros dropped (at least one decimal).
  static func appendMilliseconds(_ nanoseconds: UInt64, to bytes: inout LogBuffer) {
    let microseconds = nanoseconds / 1000
    bytes.appendDecimal(microseconds / 1000)
    bytes.append(UInt8(ascii: "."))
    var fraction = microseconds % 1000
    var digits = 3
    while digits > 1 && fraction % 10 == 0 {
      fraction /= 10
      digits -= 1
    }
    bytes.appendDecimal(fraction, minimumWidth: digits)
  }
}
