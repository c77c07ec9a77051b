import Foundation
import Glibc
import XCTest

/// A connection in the middle of a pool's fallback answer (`when_all_down: respond_file`)
/// moves in a live upgrade with the file it was answered from: the client gets that file
/// whole and byte-identical, then a clean end, even though the path names another file by
/// the time of the upgrade.
final class LiveUpgradeFallbackTests: RelayTestCase {
  func testAnAnswerInProgressCarriesOnFromTheSameFile() throws {
    XCTAssertTrue(ChildSubreaper.enable())
    defer { ChildSubreaper.disable() }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fallback-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("503.http").path
    let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    try Data(payload).write(to: URL(fileURLWithPath: path))
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: "127.0.0.1:0", pool: backends }]
        pools:
          backends:
            when_all_down: { respond_file: \(path) }
            servers: [{ address: "127.0.0.1:9", drain: true }]
        timeouts: { connect: 30s, idle: 60s }
        log: { level: info, format: json, access_log: true }
        """)
    defer { relay.stop() }

    // A client with a small receive buffer that has read a little: the answer is in progress.
    let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    defer { close(client) }
    var size: Int32 = 4_096
    setsockopt(client, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    try TestSockets.connect(client, port: relay.port())
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while received.count < 64 << 10 {
      let count = read(client, &buffer, buffer.count)
      guard count > 0 else { return XCTFail("the answer ended after \(received.count) bytes") }
      received += buffer[0..<count]
    }
    // The path now names another file: the moved answer must not switch to it.
    let replacement = directory.appendingPathComponent("new.http").path
    try Data(repeating: 0x41, count: payload.count).write(to: URL(fileURLWithPath: replacement))
    XCTAssertEqual(rename(replacement, path), 0)

    let before = relay.allLines().count
    relay.send(SIGUSR2)
    let upgraded = waitFor(60) { relay.allLines().dropFirst(before).first { $0.contains("\"message\":\"upgraded\"") } }
    let line = try XCTUnwrap(upgraded, relay.allLines().suffix(10).joined(separator: "\n"))
    let newPID = try XCTUnwrap(
      line.range(of: "\"new_pid\":\"").flatMap { Int32(line[$0.upperBound...].prefix { $0.isNumber }) })
    defer {
      kill(newPID, SIGTERM)
      var status: Int32 = 0
      _ = waitpid(newPID, &status, 0)
    }
    XCTAssertEqual(relay.waitForExit(timeoutSeconds: 30), 0)

    let rest = TestSockets.readToEnd(client, timeoutSeconds: 60)
    XCTAssertEqual(rest.errno, 0, "the answer must end in a clean EOF")
    received += rest.bytes
    XCTAssertEqual(received.count, payload.count)
    XCTAssertTrue(received == payload, "the client got other bytes than the file it was answered from")
  }
}
