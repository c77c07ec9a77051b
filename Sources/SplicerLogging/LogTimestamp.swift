import Glibc
import SplicerSystem

/// A wall-clock instant as a log line shows it: RFC 3339 in UTC with milliseconds,
/// `2026-12-06T11:30:00.123Z`, formatted digit by digit without intermediate strings.
public struct LogTimestamp: Sendable {
  public var seconds: Int
  public var milliseconds: Int

  public init(seconds: Int, milliseconds: Int) {
    self.seconds = seconds
    self.milliseconds = milliseconds
  }

  /// The current time (CLOCK_REALTIME, read through the vDSO without a system call).
  public static func now() -> LogTimestamp {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return LogTimestamp(seconds: now.tv_sec, milliseconds: now.tv_nsec / 1_000_000)
  }

  public func append(to bytes: inout LogBuffer) {
    var seconds = self.seconds
    var parts = tm()
    gmtime_r(&seconds, &parts)
    bytes.appendDecimal(UInt64(Int(parts.tm_year) + 1900), minimumWidth: 4)
    bytes.append(UInt8(ascii: "-"))
    bytes.appendDecimal(UInt64(Int(parts.tm_mon) + 1), minimumWidth: 2)
    bytes.append(UInt8(ascii: "-"))
    bytes.appendDecimal(UInt64(Int(parts.tm_mday)), minimumWidth: 2)
    bytes.append(UInt8(ascii: "T"))
    bytes.appendDecimal(UInt64(Int(parts.tm_hour)), minimumWidth: 2)
    bytes.append(UInt8(ascii: ":"))
    bytes.appendDecimal(UInt64(Int(parts.tm_min)), minimumWidth: 2)
    bytes.append(UInt8(ascii: ":"))
    bytes.appendDecimal(UInt64(Int(parts.tm_sec)), minimumWidth: 2)
    bytes.append(UInt8(ascii: "."))
    bytes.appendDecimal(UInt64(milliseconds), minimumWidth: 3)
    bytes.append(UInt8(ascii: "Z"))
  }

  public var text: String {
    var bytes = LogBuffer(capacity: 32)
    defer { bytes.free() }
    append(to: &bytes)
    return String(decoding: bytes.array, as: UTF8.self)
  }
}
