import SplicerConfig
import SplicerSystem
import XCTest

@testable import SplicerCore

/// How a listener's total is divided, and the caps a session's sockets get: pure, no sockets.
final class FairShareTests: XCTestCase {
  func testDivisorHasHeadroomForOneSixteenthMore() {
    let cases: [(connections: Int, divisor: Int, line: UInt)] = [
      (-1, 1, #line), (0, 1, #line), (1, 1, #line), (2, 2, #line), (15, 15, #line), (16, 17, #line),
      (32, 34, #line), (1000, 1062, #line),
    ]
    for (connections, divisor, line) in cases {
      XCTAssertEqual(FairShare.divisor(for: connections), divisor, "\(connections)", line: line)
    }
  }

  func testShareDividesTheTotal() {
    let cases: [(total: UInt64, connections: Int, share: UInt64, line: UInt)] = [
      (1_000_000, 0, 1_000_000, #line),
      (1_000_000, 1, 1_000_000, #line),
      (1_000_000, 2, 500_000, #line),
      (1_000_000, 4, 250_000, #line),
      (1_000_000, 32, 29_411, #line),  // divided by 34: 1/16 headroom
      (10, 100, 1, #line),  // never 0, which would stop the connection
    ]
    for (total, connections, share, line) in cases {
      XCTAssertEqual(FairShare(total: total, connections: connections).bytesPerSecond, share, line: line)
    }
  }

  /// From a share computed for `from` connections, a count of `to`: re-divided or not, and the
  /// divisor afterwards.
  func testUpdateRedividesOnlyOutsideTheBand() {
    let cases: [(from: Int, to: Int, changed: Bool, divisor: Int, line: UInt)] = [
      (2, 2, false, 2, #line),
      (2, 3, true, 3, #line),  // small counts: every change
      (2, 1, true, 1, #line),
      (1, 0, false, 1, #line),  // no connection divides like one
      (32, 34, false, 34, #line),  // within the headroom: nobody is slowed
      (32, 35, true, 37, #line),
      (32, 30, false, 34, #line),  // fell less than 1/8: no speed-up yet
      (32, 29, true, 30, #line),
      (1000, 1062, false, 1062, #line),
      (1000, 1063, true, 1129, #line),
      (1000, 930, false, 1062, #line),
      (1000, 929, true, 987, #line),
    ]
    for (from, to, changed, divisor, line) in cases {
      var share = FairShare(total: 1_000_000_000, connections: from)
      XCTAssertEqual(share.update(connections: to), changed, "\(from) → \(to)", line: line)
      XCTAssertEqual(share.divisor, divisor, "\(from) → \(to)", line: line)
    }
  }

  /// The listener never exceeds its total once divided: the share times the connections open
  /// stays at or under it, whatever the path the count took.
  func testTotalHoldsAlongAWalk() {
    var share = FairShare(total: 100_000_000, connections: 1)
    var connections = 1
    var random = 0x9E37_79B9_7F4A_7C15 as UInt64
    for _ in 0..<10_000 {
      random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      connections = max(0, connections + Int(random >> 61) - 3)
      _ = share.update(connections: connections)
      XCTAssertLessThanOrEqual(share.bytesPerSecond * UInt64(max(1, connections)), 100_000_000, "\(connections)")
    }
  }

  func testPacedRatesTakeTheSmallerLimit() {
    let unlimited = Socket.unlimitedPacingRate
    let cases: [(limits: RateLimitConfig, share: UInt64?, download: UInt64, upload: UInt64, line: UInt)] = [
      (RateLimitConfig(), nil, unlimited, unlimited, #line),
      (RateLimitConfig(download: 100), nil, 100, unlimited, #line),
      (RateLimitConfig(upload: 20), nil, unlimited, 20, #line),
      (RateLimitConfig(listenerTotal: 1000), 500, 500, 500, #line),
      (RateLimitConfig(download: 100, upload: 800, listenerTotal: 1000), 500, 100, 500, #line),
      (RateLimitConfig(download: 100), 50, 50, 50, #line),  // a session accepted before a total came
    ]
    for (limits, share, download, upload, line) in cases {
      XCTAssertEqual(
        PacedRates(limits: limits, share: share), PacedRates(download: download, upload: upload), line: line)
    }
  }

  func testAcceptedSocketsInheritOnlyTheDownloadLimit() {
    XCTAssertEqual(PacedRates(acceptedUnder: RateLimitConfig()), .unlimited)
    XCTAssertEqual(
      PacedRates(acceptedUnder: RateLimitConfig(download: 7, upload: 9, listenerTotal: 11)),
      PacedRates(download: 7, upload: Socket.unlimitedPacingRate))
  }
}
