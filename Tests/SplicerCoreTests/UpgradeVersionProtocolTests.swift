import SplicerCore
import SplicerSystem
import XCTest

/// The handover between binaries of different wire versions, both state machines over a real
/// socketpair: the latency histograms travel only when both sides speak version 2; a binary
/// of version 1 on either side (one built before them) hands over everything else as before.
final class UpgradeVersionProtocolTests: XCTestCase {
  func testTheHistogramsTravelOnlyWhenBothSidesSpeakVersion2() throws {
    // Enough series for several `Histograms` messages.
    let series = (0..<600).map { index in
      HistogramSnapshot(
        name: "splicer_server_rtt_seconds",
        labels: [.init("pool", "p"), .init("server", "192.0.2.\(index % 250):\(index)")],
        buckets: (1...14).map { HistogramSnapshot.Bucket(upperBound: Double($0) / 1000, count: UInt64($0)) }, count: 15,
        sum: 0.25)
    }
    let table: [(old: ClosedRange<UInt16>, new: ClosedRange<UInt16>, carried: Bool)] = [
      (1...2, 1...2, true),
      (2...2, 1...2, true),
      (1...2, 1...1, false),
      (1...1, 1...2, false),
      (1...1, 1...1, false),
    ]
    for row in table {
      let label = "old \(row.old), new \(row.new)"
      let baseline = openDescriptorCount()
      let donor = try FakeUpgradeDonor()
      donor.histogramSeries = series
      let recipient = FakeUpgradeRecipient()
      let harness = UpgradeProtocolHarness(recipient: recipient)
      harness.oldIdentity.supported = row.old
      harness.newIdentity.supported = row.new
      let (outcome, receipt) = try harness.run(donor: donor)

      XCTAssertEqual(outcome, .upgraded(newPID: UpgradeProtocolHarness.identity.pid), label)
      XCTAssertEqual(receipt, .adopted(pendingReload: false, released: true), label)
      XCTAssertEqual(recipient.seededHistograms, row.carried ? series : [], label)
      XCTAssertEqual(recipient.seeded?.0, donor.counters(), label)
      XCTAssertEqual(recipient.seeded?.1, donor.health(), label)
      XCTAssertEqual(recipient.sessions.count, donor.allSessions.count, label)
      recipient.closeReceived()
      donor.close()
      XCTAssertEqual(openDescriptorCount(), baseline, label)
    }
  }

  func testADonorWithoutHistogramsSendsNone() throws {
    let donor = try FakeUpgradeDonor()
    defer { donor.close() }
    let recipient = FakeUpgradeRecipient()
    let (outcome, _) = try UpgradeProtocolHarness(recipient: recipient).run(donor: donor)
    XCTAssertEqual(outcome, .upgraded(newPID: UpgradeProtocolHarness.identity.pid))
    XCTAssertEqual(recipient.seededHistograms, [])
    recipient.closeReceived()
  }
}
