import SplicerCore
import SplicerSystem
import XCTest

/// `encodedLength` of sessions, mirrors and histogram series, counted from their fields,
/// against what the writer appends: every phase, every carrier, every address family,
/// optionals both ways.
final class SessionRecordLengthTests: XCTestCase {
  private typealias F = UpgradeWireFixtures

  private static func encoded(_ record: some UpgradeBatchRecord) -> Int {
    var writer = UpgradeWireWriter()
    record.encode(into: &writer)
    return writer.bytes.count
  }

  func testSessionLengthIsTheEncodedLength() {
    var sessions: [(String, SessionRecord)] = F.phases.map { ($0.0, F.session($0.1)) }
    var bare = F.session(.readingProxyHeader)
    bare.destinationAddress = nil
    bare.serverName = nil
    bare.pool = ""
    sessions.append(("no destination, no server name", bare))
    for (label, address) in [("ipv4", F.ipv4), ("ipv6", F.ipv6), ("unix", F.unix), ("abstract", F.abstractUnix)] {
      var record = F.session(.inspecting(lowWatermarkRaised: false))
      record.peerAddress = address
      record.destinationAddress = address
      sessions.append(("addresses \(label)", record))
    }
    var relay = F.relay(
      toServer: .buffer(inline: Array(repeating: 7, count: 70_000)), toClient: .pipe(read: 2, write: 3))
    relay.mirror = nil
    relay.lastActivityAge = nil
    var large = F.session(.relaying(relay))
    large.listenerName = "ünïcode listener"
    sessions.append(("a large buffer, no mirror", large))
    for (label, record) in sessions {
      XCTAssertEqual(record.encodedLength, Self.encoded(record), label)
    }
    XCTAssertEqual(large.inlineBufferBytes, 70_000)
    XCTAssertEqual(F.session(.readingProxyHeader).inlineBufferBytes, 0)
  }

  func testMirrorLengthIsTheEncodedLength() {
    for mirror in [F.mirror, F.lingeringMirror] {
      XCTAssertEqual(mirror.encodedLength, Self.encoded(mirror), "\(mirror.id)")
    }
  }

  func testHistogramLengthIsTheEncodedLength() {
    for histogram in F.histograms {
      var writer = UpgradeWireWriter()
      writer.write(histogram)
      XCTAssertEqual(histogram.encodedLength, writer.bytes.count, histogram.name)
    }
  }
}
