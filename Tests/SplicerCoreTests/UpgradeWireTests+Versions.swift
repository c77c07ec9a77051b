import SplicerCore
import XCTest

/// Wire versions: each message type decodes in the versions that have it and nowhere else, so
/// a peer that agreed on version 1 (a binary built before the histograms) neither sends nor
/// accepts a `Histograms`; and the histogram records are read as strictly as the rest.
extension UpgradeWireTests {
  private typealias F = UpgradeWireFixtures

  func testEveryTypeDecodesOnlyInTheVersionsThatHaveIt() throws {
    XCTAssertEqual(UpgradeWire.supported, 1...2)
    for (label, message) in F.messages where !message.type.travelsBeforeAgreement {
      let descriptors = F.descriptorCount(message)
      for version in UpgradeWire.supported {
        let datagram = F.datagram(
          type: message.type.rawValue, payload: F.payload(message), descriptors: descriptors, version: version)
        if version >= message.type.introducedIn {
          let envelope = try UpgradeWire.decode(datagram, descriptorCount: descriptors)
          XCTAssertEqual(envelope.message, message, "\(label) in \(version)")
          XCTAssertEqual(envelope.header.version, version, label)
          XCTAssertEqual(
            UpgradeWire.encode(message, sequence: 0, version: version, descriptorCount: descriptors).count,
            datagram.count, label)
        } else {
          XCTAssertThrowsError(try UpgradeWire.decode(datagram, descriptorCount: descriptors), label) { error in
            XCTAssertEqual(error as? UpgradeWireError, .unsupportedVersion(version, type: message.type), label)
          }
        }
      }
    }
  }

  func testOnlyTheHistogramsAreNewInVersion2() {
    let table: [(UpgradeMessageType, UInt16)] = UpgradeMessageType.allCases.map { ($0, $0 == .histograms ? 2 : 1) }
    for (type, version) in table {
      XCTAssertEqual(type.introducedIn, version, "\(type)")
    }
  }

  func testHistogramSeriesRoundTrip() throws {
    let cases: [(String, HistogramSnapshot)] = [
      ("fixture", F.histograms[0]),
      ("escaped label, no buckets", F.histograms[1]),
      (
        "no labels",
        HistogramSnapshot(name: "h", labels: [], buckets: [.init(upperBound: 0, count: 0)], count: 0, sum: 0)
      ),
      (
        "the most buckets and labels",
        HistogramSnapshot(
          name: "h", labels: (0..<HistogramSnapshot.maximumLabels).map { HistogramSnapshot.Label("l\($0)", "v") },
          buckets: (0..<HistogramSnapshot.maximumBuckets).map {
            HistogramSnapshot.Bucket(upperBound: Double($0) / 8, count: UInt64($0))
          },
          count: 1 << 40, sum: 1e12)
      ),
    ]
    for (label, histogram) in cases {
      var writer = UpgradeWireWriter()
      writer.write(histogram)
      var reader = UpgradeWireReader(writer.bytes, descriptorCount: 0)
      XCTAssertEqual(try reader.histogramSnapshot(), histogram, label)
      XCTAssertNoThrow(try reader.finish(), label)
    }
  }

  /// Series a histogram cannot have shown, each wrong in one way.
  func testInconsistentHistogramSeriesAreRejected() {
    let good = F.histograms[0]
    func changed(_ change: (inout HistogramSnapshot) -> Void) -> HistogramSnapshot {
      var copy = good
      change(&copy)
      return copy
    }
    let name = good.name
    let cases: [(String, HistogramSnapshot, UpgradeWireError)] = [
      ("no name", changed { $0.name = "" }, .inconsistent("a histogram without a name")),
      (
        "an le label", changed { $0.labels.append(.init("le", "1")) },
        .inconsistent("\(name): labels [\"pool\", \"server\", \"le\"]")
      ),
      (
        "a label twice", changed { $0.labels.append(.init("pool", "b")) },
        .inconsistent("\(name): labels [\"pool\", \"server\", \"pool\"]")
      ),
      (
        "a label without a name", changed { $0.labels[0].name = "" },
        .inconsistent("\(name): labels [\"\", \"server\"]")
      ),
      ("a sum that is no number", changed { $0.sum = .nan }, .inconsistent("\(name): sum nan")),
      ("an infinite sum", changed { $0.sum = .infinity }, .inconsistent("\(name): sum inf")),
      (
        "bounds going down", changed { $0.buckets[1].upperBound = 0.0001 },
        .inconsistent("\(name): bucket 0.0001 of 4 after 0.00025 of 1")
      ),
      (
        "a bound twice", changed { $0.buckets[1].upperBound = 0.000_25 },
        .inconsistent("\(name): bucket 0.00025 of 4 after 0.00025 of 1")
      ),
      (
        "counts going down", changed { $0.buckets[1].count = 0 },
        .inconsistent("\(name): bucket 0.001 of 0 after 0.00025 of 1")
      ),
      ("a bucket above the count", changed { $0.count = 8 }, .inconsistent("\(name): bucket 1.0 of 9 with count 8")),
      (
        "an infinite bound", changed { $0.buckets[2].upperBound = .infinity },
        .inconsistent("\(name): bucket inf of 9 with count 10")
      ),
    ]
    for (label, histogram, expected) in cases {
      XCTAssertNotNil(histogram.inconsistency, label)
      var writer = UpgradeWireWriter()
      writer.write(histogram)
      var reader = UpgradeWireReader(writer.bytes, descriptorCount: 0)
      XCTAssertThrowsError(try reader.histogramSnapshot(), label) { error in
        XCTAssertEqual(error as? UpgradeWireError, expected, label)
      }
    }
  }

  func testHistogramCountsAreBounded() {
    func payload(labels: Int, buckets: Int) -> [UInt8] {
      var writer = UpgradeWireWriter()
      writer.write(UInt16(1))
      writer.write("h")
      writer.write(UInt16(labels))
      writer.write(UInt16(buckets))
      return writer.bytes
    }
    let cases: [(String, [UInt8], UpgradeWireError)] = [
      (
        "17 labels", payload(labels: 17, buckets: 0),
        .outOfRange(field: "histogram labels", value: 17, limit: UInt64(HistogramSnapshot.maximumLabels))
      ),
      (
        "65 buckets", payload(labels: 0, buckets: 65),
        .outOfRange(field: "histogram buckets", value: 65, limit: UInt64(HistogramSnapshot.maximumBuckets))
      ),
      ("more buckets than bytes", payload(labels: 0, buckets: 2), .truncated(field: "bucket bound")),
      ("a series announced, none there", [1, 0], .truncated(field: "histogram name")),
    ]
    for (label, payload, expected) in cases {
      let datagram = F.datagram(type: UpgradeMessageType.histograms.rawValue, payload: payload, version: 2)
      XCTAssertThrowsError(try UpgradeWire.decode(datagram, descriptorCount: 0), label) { error in
        XCTAssertEqual(error as? UpgradeWireError, expected, label)
      }
    }
  }

  func testHistogramBatchesFitAMessageAndKeepTheOrder() throws {
    let series = (0..<500).map { index in
      HistogramSnapshot(
        name: "splicer_connect_duration_seconds",
        labels: [.init("pool", "p"), .init("server", "10.0.\(index / 256).\(index % 256):443")],
        buckets: (0..<15).map { HistogramSnapshot.Bucket(upperBound: Double($0 + 1) / 100, count: UInt64($0)) },
        count: 20, sum: 3)
    }
    let oversized = HistogramSnapshot(
      name: "h", labels: [.init("l", String(repeating: "x", count: UpgradeWire.batchDataLimit))], buckets: [], count: 1,
      sum: 0)
    let inconsistent = HistogramSnapshot(name: "", labels: [], buckets: [], count: 0, sum: 0)
    let batches = HistogramSnapshot.batches(Array(series[..<250]) + [oversized, inconsistent] + series[250...])
    XCTAssertGreaterThan(batches.count, 1, "more than one message")
    XCTAssertEqual(batches.flatMap { $0 }, series, "in order, without what cannot travel")
    for batch in batches {
      let datagram = UpgradeWire.encode(.histograms(batch), sequence: 0)
      XCTAssertLessThanOrEqual(datagram.count, UpgradeWire.maximumDatagramLength)
      XCTAssertEqual(try UpgradeWire.decode(datagram, descriptorCount: 0).message, .histograms(batch))
    }
    XCTAssertEqual(HistogramSnapshot.batches([]).count, 0)
  }

  func testACarriedCountIsNeverTooHigh() {
    let histogram = F.histograms[0]
    let table: [(Double, UInt64)] = [
      (0, 0), (0.0001, 0), (0.000_25, 1), (0.0005, 1), (0.001, 4), (0.5, 4), (1, 9), (30, 9), (.infinity, 10),
    ]
    for (bound, count) in table {
      XCTAssertEqual(histogram.count(atOrBelow: bound), count, "\(bound)")
    }
  }
}
