import Foundation
import Glibc
import XCTest

/// A `unix:` server on a splice listener. The copy fallback for sockets that refuse splice
/// (`splice_unsupported`, on EINVAL, ENOSYS or EOPNOTSUPP) has no real trigger on this kernel:
/// since Linux 6.5 a socket without its own splice_read is read through copy_splice_read and
/// every socket accepts splice writes (splice_to_socket), and AF_UNIX stream sockets have
/// their own splice_read anyway. So this test holds the other side of that switch: a unix
/// stream server is spliced both ways, byte-exact, with no fallback counted. If a kernel or a
/// change made unix sockets copy, the counters here would say so.
final class UnixServerSpliceTests: RelayTestCase {
  func testUnixStreamServerIsSplicedByteExactWithoutFallback() throws {
    guard let socat = ExternalProcess.find("socat") else { throw XCTSkip("socat is not installed") }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splicer-unix-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let socketPath = directory.appendingPathComponent("echo.sock").path
    let echo = try ExternalProcess(socat, ["UNIX-LISTEN:\(socketPath),fork", "EXEC:/bin/cat"])
    defer { echo.terminate() }
    XCTAssertNotNil(waitUntil(30) { FileManager.default.fileExists(atPath: socketPath) })
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: local, mode: splice }]
        pools:
          local: { servers: [{ address: "unix:\(socketPath)" }] }
        tuning: { pipe_size: 64KiB, pipe_pool: 0 }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }

    // The echo server sends back exactly what it reads, so each client must receive its own
    // stream; several at once, some larger than many pipes' worth.
    let lengths = [3_000_000, 1_048_577, 65_536, 1]
    let clients = try lengths.enumerated().map { index, length in
      StreamConnection(
        fd: try TestSockets.connect(port: relay.port()),
        outgoing: PatternStream(seed: UInt64(index + 1), length: length))
    }
    XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 60), "echo through the unix server did not finish")
    for (index, (client, length)) in zip(clients, lengths).enumerated() {
      XCTAssertNil(client.failure, "client \(index): errno \(client.failure ?? 0)")
      XCTAssertEqual(client.received.byteCount, length, "client \(index): echoed length")
      XCTAssertEqual(
        client.receivedDigest, PatternStream(seed: UInt64(index + 1), length: length).expectedDigest(),
        "client \(index): echoed bytes")
    }
    let lines = relay.waitForClosedConnections(lengths.count)
    XCTAssertTrue(lines.allSatisfy { $0.contains("\"server\":\"unix:\(socketPath)\"") }, "\(lines)")
    XCTAssertEqual(closeReasons(relay), Array(repeating: "completed", count: lengths.count))

    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    let total = Double(2 * lengths.reduce(0, +))
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_splice_fallbacks_total{reason=\"splice_unsupported\"}"), 0)
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_copied_bytes_total"), 0, "unix socket bytes went through a buffer")
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_spliced_bytes_total"), total)
  }
}
