import SplicerCore
import XCTest

/// `RunningConfig`: the record round-trips through its chunks however it is cut, and the
/// assembly refuses chunks out of order, counts that change, and bytes that do not decode.
extension UpgradeWireTests {
  private typealias F = UpgradeWireFixtures

  func testRunningConfigRoundTripsInOneChunk() throws {
    let chunks = F.runningConfig.chunks()
    XCTAssertEqual(chunks.count, 1)
    var assembly = RunningConfigAssembly()
    XCTAssertEqual(try assembly.add(chunks[0]), F.runningConfig)
  }

  func testALargeRunningConfigIsChunkedAndJoined() throws {
    var record = F.runningConfig
    record.generations[1].yaml = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
    let chunks = record.chunks()
    XCTAssertEqual(chunks.count, 4)
    var assembly = RunningConfigAssembly()
    for (index, chunk) in chunks.enumerated() {
      // Each chunk travels as a message of its own.
      let datagram = UpgradeWire.encode(.runningConfig(chunk), sequence: UInt32(index))
      XCTAssertLessThanOrEqual(datagram.count, UpgradeWire.maximumDatagramLength)
      guard case .runningConfig(let decoded) = try UpgradeWire.decode(datagram, descriptorCount: 0).message else {
        return XCTFail("chunk \(index) decoded as another message")
      }
      let joined = try assembly.add(decoded)
      XCTAssertEqual(joined, index == chunks.count - 1 ? record : nil, "chunk \(index)")
    }
  }

  func testEverySmallCutRoundTrips() throws {
    for limit in [RunningConfigChunk.overhead + 1, 64, 333] {
      var assembly = RunningConfigAssembly()
      var joined: RunningConfigRecord?
      for chunk in F.runningConfig.chunks(dataLimit: limit) { joined = try assembly.add(chunk) }
      XCTAssertEqual(joined, F.runningConfig, "limit \(limit)")
    }
  }

  func testChunksOutOfOrderOrWithChangingCountsAreRejected() {
    let chunks = F.runningConfig.chunks(dataLimit: 64)
    XCTAssertGreaterThan(chunks.count, 2)
    var skipping = RunningConfigAssembly()
    XCTAssertThrowsError(try skipping.add(chunks[1]))
    var changing = RunningConfigAssembly()
    XCTAssertNoThrow(try changing.add(chunks[0]))
    var other = chunks[1]
    other.count += 1
    XCTAssertThrowsError(try changing.add(other))
  }

  func testJoinedBytesThatDoNotDecodeAreRejected() {
    var writer = UpgradeWireWriter()
    writer.write(F.runningConfig)
    for bytes in [Array(writer.bytes.dropLast()), writer.bytes + [0]] {
      var assembly = RunningConfigAssembly()
      XCTAssertThrowsError(try assembly.add(RunningConfigChunk(index: 0, count: 1, bytes: bytes)))
    }
  }

  func testMalformedChunkHeadersAreRejected() {
    for (label, index, count) in [("no chunks", 0, 0), ("index past count", 2, 2), ("too many", 0, 1025)] {
      var writer = UpgradeWireWriter()
      writer.write(UInt16(index))
      writer.write(UInt16(count))
      writer.writeBlob([1])
      XCTAssertThrowsError(
        try UpgradeWire.decode(F.datagram(type: 4, payload: writer.bytes), descriptorCount: 0), label)
    }
  }
}
