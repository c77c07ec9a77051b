import Glibc
import Logging
import SplicerConfig
import SplicerLogging
import SplicerSystem
import XCTest

@testable import SplicerCore

/// The access-log line as a worker writes it, byte for byte (but for the time), in both
/// formats: the fields, their order, and the optional ones present only when they apply.
final class AccessLogTests: XCTestCase {
  private func line(_ format: LogConfig.Format, _ entry: AccessLogEntry) throws -> String {
    var fds: [Int32] = [-1, -1]
    XCTAssertEqual(pipe(&fds), 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    // No thread started: the writer writes in the caller, so the line is in the pipe now.
    let log = AccessLog(
      configuration: LogConfig(format: format, accessLog: true), level: .info, workerIndex: 3,
      writer: LogWriter(fd: fds[1]))
    log.write(entry)
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = read(fds[0], &buffer, buffer.count)
    let text = String(decoding: buffer[0..<max(0, count)], as: UTF8.self)
    // The time is the wall clock's; replace it so that the rest can be compared whole.
    return text.replacingOccurrences(
      of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#, with: "TIME", options: .regularExpression)
  }

  private let plain = AccessLogEntry(
    client: SocketAddress(ip: "127.0.0.1", port: 40_000)!, peer: nil, listener: "web", pool: "app", server: "a",
    bytesToServer: 517, bytesToClient: 1_048_576, connectNanoseconds: 123_456, durationNanoseconds: 2_500_000_000,
    queuedNanoseconds: nil, reason: .completed, serverName: nil)

  func testJSON() throws {
    XCTAssertEqual(
      try line(.json, plain),
      #"{"time":"TIME","level":"info","message":"connection closed","bytes_to_client":"1048576","#
        + #""bytes_to_server":"517","client":"127.0.0.1:40000","connect_ms":"0.123","duration_ms":"2500.0","#
        + #""listener":"web","pool":"app","reason":"completed","server":"a","worker":"3"}"# + "\n")
  }

  func testLogfmtWithEveryOptionalField() throws {
    var entry = plain
    entry.peer = SocketAddress(ip: "10.0.0.9", port: 5_000)
    entry.pool = nil
    entry.server = nil
    entry.queuedNanoseconds = 7_000_999
    entry.serverName = "www.example.com"
    entry.reason = .noServerUp
    XCTAssertEqual(
      try line(.logfmt, entry),
      "time=TIME level=info message=\"connection closed\" bytes_to_client=1048576 bytes_to_server=517"
        + " client=127.0.0.1:40000 connect_ms=0.123 duration_ms=2500.0 listener=web peer=10.0.0.9:5000 pool=-"
        + " queued_ms=7.0 reason=\(CloseReason.noServerUp) server=- sni=www.example.com worker=3\n")
  }

  /// TCP_INFO of both sockets: after `client` and after `server`, in key order; a delivery
  /// rate only when the kernel had one.
  func testJSONWithTCPInfo() throws {
    var entry = plain
    entry.clientTCP = TCPInfo(
      rttMicroseconds: 20_123, rttVarianceMicroseconds: 5_500, retransmits: 3, deliveryRate: 1_250_000)
    entry.serverTCP = TCPInfo(rttMicroseconds: 41, rttVarianceMicroseconds: 9, retransmits: 0, deliveryRate: 0)
    XCTAssertEqual(
      try line(.json, entry),
      #"{"time":"TIME","level":"info","message":"connection closed","bytes_to_client":"1048576","#
        + #""bytes_to_server":"517","client":"127.0.0.1:40000","client_delivery_rate":"1250000","#
        + #""client_retrans":"3","client_rtt_ms":"20.123","client_rttvar_ms":"5.5","connect_ms":"0.123","#
        + #""duration_ms":"2500.0","listener":"web","pool":"app","reason":"completed","server":"a","#
        + #""server_retrans":"0","server_rtt_ms":"0.041","server_rttvar_ms":"0.009","worker":"3"}"# + "\n")
  }

  func testNothingIsWrittenAboveInfo() {
    XCTAssertFalse(
      AccessLog(configuration: LogConfig(accessLog: true), level: .notice, workerIndex: 0).isEnabled)
    XCTAssertFalse(AccessLog(configuration: LogConfig(accessLog: false), level: .info, workerIndex: 0).isEnabled)
    XCTAssertTrue(AccessLog(configuration: LogConfig(accessLog: true), level: .debug, workerIndex: 0).isEnabled)
  }
}
