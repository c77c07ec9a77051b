import Glibc
import Logging
import SplicerConfig

/// A swift-log handler that writes one JSON object or logfmt line per event to a descriptor
/// (stderr by default, which the journal captures).
///
/// Each line goes out in a single write(2), so lines from different worker threads never
/// interleave.
public struct StructuredLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level
  private let label: String
  private let format: LogConfig.Format
  private let fd: Int32

  public init(label: String, level: Logger.Level, format: LogConfig.Format, fd: Int32 = 2) {
    self.label = label
    self.logLevel = level
    self.format = format
    self.fd = fd
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var merged = metadata
    if let extra = event.metadata {
      merged.merge(extra) { _, new in new }
    }
    let line: String
    switch format {
    case .json: line = Self.json(level: event.level, message: "\(event.message)", metadata: merged)
    case .logfmt: line = Self.logfmt(level: event.level, message: "\(event.message)", metadata: merged)
    }
    var bytes = Array(line.utf8)
    bytes.append(0x0A)
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if written <= 0 { return }
        offset += written
      }
    }
  }

  static func timestamp() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var seconds = ts.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    let millis = Int32(ts.tv_nsec / 1_000_000)
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
      + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(millis, 3))Z"
  }

  static func json(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
    var out = "{\"time\":\"\(timestamp())\",\"level\":\"\(level)\",\"message\":\(quoteJSON(message))"
    for key in metadata.keys.sorted() {
      out += ",\(quoteJSON(key)):\(quoteJSON("\(metadata[key]!)"))"
    }
    return out + "}"
  }

  static func logfmt(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
    var out = "time=\(timestamp()) level=\(level) message=\(quoteLogfmt(message))"
    for key in metadata.keys.sorted() {
      out += " \(key)=\(quoteLogfmt("\(metadata[key]!)"))"
    }
    return out
  }

  static func quoteJSON(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  static func quoteLogfmt(_ text: String) -> String {
    let needsQuotes = text.isEmpty || text.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
    guard needsQuotes else { return text }
    return quoteJSON(text)
  }
}
