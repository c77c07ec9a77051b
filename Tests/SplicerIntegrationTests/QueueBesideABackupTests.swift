import Foundation
import Glibc
import XCTest

/// A primary at `max_connections` with a backup that has room: the backup stands in for a
/// failed primary, not for capacity, so the next client waits in the queue (and the queue's
/// second look after joining must not take the backup's room for a free slot and retry
/// forever), then gets the primary once its slot is free.
final class QueueBesideABackupTests: RelayTestCase {
  func testAClientWaitsForTheFullPrimaryWhileTheBackupHasRoom() throws {
    let primary = try TestBackend(behavior: .pong)
    defer { primary.stop() }
    let backup = try TestBackend(behavior: .pong)
    defer { backup.stop() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: 127.0.0.1:0, pool: backends }]
        pools:
          backends:
            queue: { size: 10, timeout: 60s }
            servers:
              - { address: "127.0.0.1:\(primary.port)", max_connections: 1 }
              - { address: "127.0.0.1:\(backup.port)", backup: true }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """)
    defer { relay.stop() }
    // The first client holds the primary's only slot (its pong came, the socket stays open).
    let holder = try TestSockets.connect(port: relay.port(), nonblocking: false)
    XCTAssertTrue(HostileSockets.writeAll(holder, Array("PING\r\n".utf8)))
    XCTAssertEqual(HostileSockets.read(holder, atLeast: 7), 7)
    let waiting = try TestSockets.connect(port: relay.port(), nonblocking: false)
    XCTAssertTrue(HostileSockets.writeAll(waiting, Array("PING\r\n".utf8)))
    let metrics = { (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? "" }
    XCTAssertNotNil(
      waitUntil(30) { HostileSockets.metricSum(metrics(), "splicer_queued_connections_total") == 1 },
      "the second client was not queued: \(relay.allLines().suffix(5))")
    XCTAssertEqual(backup.accepted, 0, "the backup took a client while the primary was up")
    close(holder)
    XCTAssertEqual(TestSockets.readToEnd(waiting).bytes, Array("+PONG\r\n".utf8))
    close(waiting)
    XCTAssertEqual(primary.accepted, 2)
    XCTAssertEqual(backup.accepted, 0)
  }
}
