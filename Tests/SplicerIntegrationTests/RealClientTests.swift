import Foundation
import Glibc
import XCTest

/// The relay with the clients and servers a user would put in front of and behind it.
final class RealClientTests: RelayTestCase {
  /// An iperf3 server on 127.0.0.1; iperf3 refuses port 0, so it is started again should
  /// another process take its port first.
  private func iperf3Server(_ iperf: String) throws -> (child: ExternalProcess, port: UInt16) {
    try ListeningPorts.startOnFreePort { port in
      try ExternalProcess(iperf, ["-s", "-B", "127.0.0.1", "-p", "\(port)"])
    }
  }

  private func iperf3(reverse: Bool) throws {
    guard let iperf = ExternalProcess.find("iperf3") else {
      throw XCTSkip("iperf3 is not installed (the README's test command installs it)")
    }
    let (server, port) = try iperf3Server(iperf)
    defer { server.terminate() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [port], workers: 1))
    defer { relay.stop() }
    // A byte count rather than a duration, so that sender and receiver totals must match exactly.
    var arguments = ["-c", "127.0.0.1", "-p", "\(relay.port())", "-n", "2G", "-J"]
    if reverse { arguments.append("-R") }
    let (status, output) = try ExternalProcess.run(iperf, arguments)
    XCTAssertEqual(status, 0, String(decoding: output, as: UTF8.self))
    let json = try JSONSerialization.jsonObject(with: output) as? [String: Any]
    let end = json?["end"] as? [String: Any]
    let sent = (end?["sum_sent"] as? [String: Any])?["bytes"] as? Double ?? 0
    let received = (end?["sum_received"] as? [String: Any])?["bytes"] as? Double ?? 0
    let bitsPerSecond = (end?["sum_received"] as? [String: Any])?["bits_per_second"] as? Double ?? 0
    XCTAssertEqual(sent, Double(2 << 30), "iperf3 sender total")
    // iperf3's receiver stops counting when the control connection says the test ended, which
    // can overtake the last bytes still in flight through any relay (HAProxy shows the same), so
    // the receiver's figure may fall short by what the buffers between them hold (socket
    // buffers autotune to several MiB each, and one run was 40 MB short)...
    XCTAssertGreaterThan(received, sent - Double(64 << 20), "iperf3 receiver total")
    // The iperf3 server then closes the data connection with those bytes unread, which resets
    // it, so only the reverse run (the client reads to the end) has an exact total to check.
    let lines = relay.waitForClosedConnections(2)
    XCTAssertEqual(lines.count, 2, "control and data connection")
    if reverse {
      let field = "\"bytes_to_client\":\"\(2 << 30)\""
      XCTAssertTrue(lines.contains { $0.contains(field) }, "no connection relayed exactly 2 GiB: \(lines)")
    }
    print("iperf3 through splicer\(reverse ? " (reverse)" : ""): \(bitsPerSecond / 1e9) Gbit/s")
  }

  func testIperf3ClientToServer() throws {
    try iperf3(reverse: false)
  }

  func testIperf3ServerToClient() throws {
    try iperf3(reverse: true)
  }

  /// A config reload in the middle of a long iperf3 transfer: iperf3 succeeds and the relay
  /// delivers every byte of the data connection.
  func testReloadDuringIperf3TransferLosesNothing() throws {
    guard let iperf = ExternalProcess.find("iperf3") else { throw XCTSkip("iperf3 is not installed") }
    let (server, port) = try iperf3Server(iperf)
    defer { server.terminate() }
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [port], workers: 1, admin: true))
    defer { relay.stop() }
    let size = 8 << 30
    let client = try ExternalProcess(iperf, ["-c", "127.0.0.1", "-p", "\(relay.port())", "-n", "8G", "-R", "-J"])
    // Wait (bounded) until both iperf3 connections are being relayed, then reload.
    var active = 0.0
    waitUntil(20) {
      let metrics = (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
      active = HTTPGet.sample(metrics, "splicer_connections_active{listener=\"test\"}") ?? 0
      return active >= 2
    }
    XCTAssertEqual(active, 2)
    try relay.rewriteConfig(TestConfig.yaml(servers: [port], workers: 1, idleTimeout: "120s", admin: true))
    relay.send(SIGHUP)
    XCTAssertNotNil(relay.waitForLine(containing: "\"message\":\"reloaded\""))
    client.process.waitUntilExit()
    XCTAssertEqual(client.process.terminationStatus, 0)
    let lines = relay.waitForClosedConnections(2, timeoutSeconds: 60)
    XCTAssertTrue(
      lines.contains { $0.contains("\"bytes_to_client\":\"\(size)\"") }, "no connection relayed exactly 8 GiB: \(lines)"
    )
  }

  func testCurlThroughTheRelayToAnHTTPServer() throws {
    guard let curl = ExternalProcess.find("curl"), let python = ExternalProcess.find("python3") else {
      throw XCTSkip("curl or python3 is not installed")
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-http-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let bodySize = 3 << 20
    let body = UnsafeMutableRawBufferPointer.allocate(byteCount: bodySize, alignment: 16)
    defer { body.deallocate() }
    let pattern = PatternStream(seed: 11, length: bodySize)
    pattern.fill(body, from: 0, count: bodySize)
    try Data(body).write(to: directory.appendingPathComponent("blob.bin"))
    let server = try ExternalProcess(
      python, ["-m", "http.server", "--bind", "127.0.0.1", "0"], directory: directory.path)
    defer { server.terminate() }
    let port = try XCTUnwrap(ListeningPorts.port(of: server.process.processIdentifier), "http.server did not start")
    let relay = try SplicerProcess(yaml: TestConfig.yaml(servers: [port]))
    defer { relay.stop() }
    let output = directory.appendingPathComponent("downloaded.bin").path
    for _ in 0..<3 {
      let (status, _) = try ExternalProcess.run(
        curl, ["-sS", "--fail", "-o", output, "http://127.0.0.1:\(relay.port())/blob.bin"])
      XCTAssertEqual(status, 0)
      let downloaded = try Data(contentsOf: URL(fileURLWithPath: output))
      XCTAssertEqual(downloaded.count, bodySize)
      XCTAssertTrue(downloaded == Data(body), "curl received different bytes than the server holds")
    }
    XCTAssertEqual(relay.waitForClosedConnections(3).count, 3)
  }
}
