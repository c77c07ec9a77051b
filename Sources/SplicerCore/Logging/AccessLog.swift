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
  private var line = LogBuffer(capacity: 512)
  private var timeFormatter = LogTimeFormatter()

  /// - Parameter level: the log level; an access line is written at info, so above info
  ///   nothing is written, as with any info event.
  init(configuration: LogConfig, level: Logger.Level, workerIndex: Int, writer: LogWriter = .standardError) {
    isEnabled = configuration.accessLog && level <= .info
    format = configuration.format
    workerLabel = "\(workerIndex)"
    self.writer = writer
  }

  deinit { line.free() }

  func write(_ entry: AccessLogEntry) {
    // Work on a local copy of the buffer (a pointer and two counts) and store it back: the
    // class's stored property would cost an exclusivity check per append.
    var bytes = line
    defer { line = bytes }
    bytes.removeAll()
    let fields = LogLine(
      into: &bytes, format: format, time: .now(), formatter: &timeFormatter, level: "info",
      message: "connection closed")
    // In key order, as the handler sorts them.
    fields.field("bytes_to_client", entry.bytesToClient, to: &bytes)
    fields.field("bytes_to_server", entry.bytesToServer, to: &bytes)
    fields.field("client", address: entry.client, to: &bytes)
    if let tcp = entry.clientTCP {
      if tcp.deliveryRate != 0 { fields.field("client_delivery_rate", tcp.deliveryRate, to: &bytes) }
      fields.field("client_retrans", UInt64(tcp.retransmits), to: &bytes)
      fields.field("client_rtt_ms", milliseconds: UInt64(tcp.rttMicroseconds) &* 1000, to: &bytes)
      fields.field("client_rttvar_ms", milliseconds: UInt64(tcp.rttVarianceMicroseconds) &* 1000, to: &bytes)
    }
    fields.field("connect_ms", milliseconds: entry.connectNanoseconds, to: &bytes)
    fields.field("duration_ms", milliseconds: entry.durationNanoseconds, to: &bytes)
    fields.field("listener", entry.listener, to: &bytes)
    if let peer = entry.peer { fields.field("peer", address: peer, to: &bytes) }
    fields.field("pool", entry.pool ?? "-", to: &bytes)
    if let queued = entry.queuedNanoseconds { fields.field("queued_ms", milliseconds: queued, to: &bytes) }
    fields.field("reason", entry.reason.description, to: &bytes)
    fields.field("server", entry.server ?? "-", to: &bytes)
    if let tcp = entry.serverTCP {
      if tcp.deliveryRate != 0 { fields.field("server_delivery_rate", tcp.deliveryRate, to: &bytes) }
      fields.field("server_retrans", UInt64(tcp.retransmits), to: &bytes)
      fields.field("server_rtt_ms", milliseconds: UInt64(tcp.rttMicroseconds) &* 1000, to: &bytes)
      fields.field("server_rttvar_ms", milliseconds: UInt64(tcp.rttVarianceMicroseconds) &* 1000, to: &bytes)
    }
    if let serverName = entry.serverName { fields.field("sni", serverName, to: &bytes) }
    fields.field("worker", workerLabel, to: &bytes)
    fields.finish(&bytes)
    writer.append(bytes.bytes, urgent: false)
  }
}
