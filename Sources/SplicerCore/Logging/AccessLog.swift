import Logging
import SplicerConfig
import SplicerLogging
import SplicerSystem

/// A worker's access log: one line per closed connection, formatted into a buffer the
/// worker reuses and handed to the process's `LogWriter`, which writes it in a batch.
///
/// Owned by its `Worker` and used on the worker's thread only. The line is the one the
/// `StructuredLogHandler` would write for the event "connection closed" at info with the
/// entry's fields and the worker's `worker` label, keys sorted; it is built here without
/// swift-log's metadata dictionary, which cost several microseconds per connection.
final class AccessLog {
  /// `log.access_log`, which a reload may change.
  var isEnabled: Bool
  private let format: LogConfig.Format
  private let workerLabel: String
  private let writer: LogWriter
  private var line: [UInt8] = []

  /// - Parameter level: the log level; an access line is written at info, so above info
  ///   nothing is written, as with any info event.
  init(configuration: LogConfig, level: Logger.Level, workerIndex: Int, writer: LogWriter = .standardError) {
    isEnabled = configuration.accessLog && level <= .info
    format = configuration.format
    workerLabel = "\(workerIndex)"
    self.writer = writer
    line.reserveCapacity(512)
  }

  func write(_ entry: AccessLogEntry) {
    line.removeAll(keepingCapacity: true)
    let fields = LogLine(
      into: &line, format: format, time: .now(), level: "info", message: "connection closed")
    // In key order, as the handler sorts them.
    fields.field("bytes_to_client", entry.bytesToClient, to: &line)
    fields.field("bytes_to_server", entry.bytesToServer, to: &line)
    fields.field("client", entry.client.description, to: &line)
    fields.field("connect_ms", Self.milliseconds(entry.connectNanoseconds), to: &line)
    fields.field("duration_ms", Self.milliseconds(entry.durationNanoseconds), to: &line)
    fields.field("listener", entry.listener, to: &line)
    if let peer = entry.peer { fields.field("peer", peer.description, to: &line) }
    fields.field("pool", entry.pool ?? "-", to: &line)
    if let queued = entry.queuedNanoseconds { fields.field("queued_ms", Self.milliseconds(queued), to: &line) }
    fields.field("reason", entry.reason.description, to: &line)
    fields.field("server", entry.server ?? "-", to: &line)
    if let serverName = entry.serverName { fields.field("sni", serverName, to: &line) }
    fields.field("worker", workerLabel, to: &line)
    fields.finish(&line)
    writer.append(line, urgent: false)
  }

  /// Milliseconds with three decimals (whole microseconds), written as `Double` prints them.
  static func milliseconds(_ nanoseconds: UInt64) -> String {
    "\(Double(nanoseconds / 1000) / 1000)"
  }
}
