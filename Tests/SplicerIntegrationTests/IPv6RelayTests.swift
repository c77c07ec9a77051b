import Foundation
import Glibc
import XCTest

/// An IPv6 listener in front of an IPv6 server, both on [::1]: bytes arrive intact both ways
/// in splice and in copy mode, and the log names the IPv6 addresses in brackets.
final class IPv6RelayTests: RelayTestCase {
  func testIPv6ListenerRelaysToIPv6ServerByteExact() throws {
    guard TestSockets.canListen(host: "::1") else {
      throw XCTSkip("::1 is not available on this machine (IPv6 disabled on lo)")
    }
    let backend = try TestBackend(host: "::1")
    defer { backend.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners:
          - { name: test, bind: "[::1]:0", pool: six }
          - { name: copy, bind: "[::1]:0", pool: six, mode: copy }
        pools:
          six: { servers: [{ address: "[::1]:\(backend.port)" }] }
        tuning: { pipe_pool: 0 }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """, listeners: ["test", "copy"])
    defer { relay.stop() }
    XCTAssertNotNil(
      relay.waitForLine(containing: "\"address\":\"[::1]:\(relay.port())\"", and: "listener bound"),
      "the listener is logged with its bracketed IPv6 address")

    // Sizes above one pipe (1 MiB) in both directions, and a few small ones.
    let splice = [
      TransferSpec(requestLength: 3_000_000, responseLength: 2_500_000, seed: 1),
      TransferSpec(requestLength: 10, responseLength: 5_000_000, seed: 2),
      TransferSpec(requestLength: 70_000, responseLength: 0, seed: 3),
    ]
    try assertTransfers(splice, port: relay.port(), backend: backend, host: "::1")
    let copy = [
      TransferSpec(requestLength: 2_000_000, responseLength: 3_000_000, seed: 11),
      TransferSpec(requestLength: 1, responseLength: 1, seed: 12),
    ]
    try assertTransfers(copy, port: relay.port("copy"), backend: backend, host: "::1")

    let lines = relay.waitForClosedConnections(splice.count + copy.count)
    XCTAssertEqual(lines.count, splice.count + copy.count)
    for line in lines {
      XCTAssertTrue(line.contains("\"client\":\"[::1]:"), "client address in the access log: \(line)")
      XCTAssertTrue(line.contains("\"server\":\"[::1]:\(backend.port)\""), "server address: \(line)")
      XCTAssertTrue(line.contains("\"reason\":\"completed\""), line)
    }
    XCTAssertEqual(closeReasons(relay).filter { $0 == "completed" }.count, splice.count + copy.count)

    // The splice listener really spliced its bytes; the copy listener copied its own.
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    let splicedBytes = splice.reduce(0) { $0 + $1.requestLength + $1.responseLength + TestBackend.headerLength }
    let copiedBytes = copy.reduce(0) { $0 + $1.requestLength + $1.responseLength + TestBackend.headerLength }
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_spliced_bytes_total"), Double(splicedBytes))
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_copied_bytes_total"), Double(copiedBytes))
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_bytes_total{listener=\"test\",direction=\"server_to_client\"}"),
      Double(splice.reduce(0) { $0 + $1.responseLength }))
  }
}
