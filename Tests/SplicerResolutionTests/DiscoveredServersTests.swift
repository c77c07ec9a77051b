import SplicerConfig
import XCTest

@testable import SplicerResolution

/// SRV answer → a pool's servers and the next query time, without a nameserver.
final class DiscoveredServersTests: XCTestCase {
  private func record(
    _ target: String, _ port: UInt16, priority: UInt16 = 10, weight: UInt16 = 1, ttl: UInt32 = 300
  ) -> SRVRecord {
    SRVRecord(target: target, port: port, priority: priority, weight: weight, ttl: ttl)
  }

  private func server(_ address: String, weight: Int = 1, backup: Bool = false) throws -> ServerConfig {
    ServerConfig(address: try ServerAddress(parsing: address), weight: weight, backup: backup)
  }

  func testMapping() throws {
    let cases: [(name: String, records: [SRVRecord], expected: [ServerConfig]?)] = [
      ("no records", [], nil),
      ("only a no-service target", [record(".", 80)], nil),
      ("port 0 and a bad target skipped", [record("a.example", 0), record("bad_name.example", 80)], nil),
      ("one record", [record("a.example.", 80, weight: 5)], [try server("a.example:80", weight: 5)]),
      (
        "lowest priority active, higher ones backups",
        [
          record("c.example", 80, priority: 30), record("b.example", 80, priority: 20),
          record("a.example", 80, priority: 20),
        ],
        [try server("a.example:80"), try server("b.example:80"), try server("c.example:80", backup: true)]
      ),
      (
        "sorted by priority, target, port",
        [record("b.example", 81), record("b.example", 80), record("a.example", 90)],
        [try server("a.example:90"), try server("b.example:80"), try server("b.example:81")]
      ),
      (
        "weight 0 becomes the smallest weight",
        [record("a.example", 80, weight: 0), record("b.example", 80, weight: 3)],
        [try server("a.example:80", weight: 1), try server("b.example:80", weight: 3)]
      ),
      (
        "weights above 256 scaled so the largest is 256",
        [
          record("a.example", 80, weight: 65535), record("b.example", 80, weight: 32768),
          record("c.example", 80, weight: 1),
        ],
        [
          try server("a.example:80", weight: 256), try server("b.example:80", weight: 128),
          try server("c.example:80", weight: 1),
        ]
      ),
      ("weight 256 kept", [record("a.example", 80, weight: 256)], [try server("a.example:80", weight: 256)]),
      (
        "a duplicate kept once at its lowest priority",
        [
          record("a.example", 80, priority: 5), record("a.example", 80, priority: 1),
          record("b.example", 80, priority: 5),
        ],
        [try server("a.example:80"), try server("b.example:80", backup: true)]
      ),
      ("targets lowercased", [record("A.Example", 80)], [try server("a.example:80")]),
      ("a numeric target is an IP server", [record("127.0.0.1", 9000)], [try server("127.0.0.1:9000")]),
    ]
    for testCase in cases {
      let discovered = DiscoveredServers(records: testCase.records, interval: .seconds(30))
      XCTAssertEqual(discovered?.servers, testCase.expected, testCase.name)
      if let servers = discovered?.servers {
        XCTAssertTrue(servers.contains { !$0.backup }, "\(testCase.name): a pool needs an active server")
      }
    }
  }

  func testRefreshIsTheSmallerOfIntervalAndTTLWithAFloor() {
    let cases: [(ttls: [UInt32], interval: Duration, expected: Duration)] = [
      ([300], .seconds(5), .seconds(5)),
      ([3], .seconds(5), .seconds(3)),
      ([60, 2, 30], .seconds(5), .seconds(2)),
      ([0], .seconds(5), .seconds(1)),
      ([0], .seconds(1), .seconds(1)),
      ([5], .seconds(5), .seconds(5)),
    ]
    for (ttls, interval, expected) in cases {
      let records = ttls.enumerated().map { record("s\($0.offset).example", 80, ttl: $0.element) }
      XCTAssertEqual(DiscoveredServers(records: records, interval: interval)?.refresh, expected, "\(ttls) \(interval)")
    }
  }

  func testSameRecordsInAnotherOrderGiveTheSameSet() {
    let records = [record("b.example", 80, priority: 2), record("a.example", 80, weight: 7), record("c.example", 81)]
    XCTAssertEqual(
      DiscoveredServers(records: records, interval: .seconds(5)),
      DiscoveredServers(records: records.reversed(), interval: .seconds(5)))
  }
}
