import Logging
import SplicerConfig

/// A swift-log handler that writes one JSON object or logfmt line per event (the formats are
/// `LogLine`'s) through a `LogWriter`, by default to stderr, which the journal captures.
///
/// Every event is marked urgent, so it goes out at once; only access-log lines, written by
/// the workers straight to the writer, wait for a batch.
public struct StructuredLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level
  private let label: String
  private let format: LogConfig.Format
  private let writer: LogWriter

  public init(label: String, level: Logger.Level, format: LogConfig.Format, writer: LogWriter = .standardError) {
    self.label = label
    self.logLevel = level
    self.format = format
    self.writer = writer
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
    let bytes = Self.line(
      format: format, time: .now(), level: event.level, message: "\(event.message)", metadata: merged)
    writer.append(bytes, urgent: true)
  }

  /// One whole line, newline included, with the metadata keys sorted.
  static func line(
    format: LogConfig.Format, time: LogTimestamp, level: Logger.Level, message: String, metadata: Logger.Metadata
  ) -> [UInt8] {
    var bytes = LogBuffer(capacity: 256)
    defer { bytes.free() }
    let line = LogLine(into: &bytes, format: format, time: time, level: level.rawValue, message: message)
    for key in metadata.keys.sorted() {
      line.field(named: key, "\(metadata[key]!)", to: &bytes)
    }
    line.finish(&bytes)
    return bytes.array
  }
}
