/// Formats log timestamps, keeping the text of the current second: a worker writing many
/// lines a second formats the date once and then only the milliseconds.
///
/// A value for one thread (each worker's `AccessLog` keeps its own).
public struct LogTimeFormatter {
  private var second = Int.min
  /// `YYYY-MM-DDTHH:MM:SS.` of `second`.
  private var prefix: [UInt8] = []

  public init() {}

  public mutating func append(_ time: LogTimestamp, to bytes: inout LogBuffer) {
    if time.seconds != second {
      var text = LogBuffer(capacity: 32)
      LogTimestamp(seconds: time.seconds, milliseconds: 0).append(to: &text)
      prefix = Array(text.array.dropLast(4))  // "000Z"
      text.free()
      second = time.seconds
    }
    prefix.withUnsafeBufferPointer { bytes.append($0) }
    let milliseconds = time.milliseconds
    bytes.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
    bytes.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
    bytes.append(UInt8(ascii: "Z"))
  }
}
