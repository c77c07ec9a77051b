import Glibc
import SplicerCore
import SplicerSystem
import XCTest

/// The upgrade wire format: what is encoded decodes to the same value, for every message,
/// record and phase, and the header says what the design's §4.1 says.
final class UpgradeWireTests: XCTestCase {
  private typealias F = UpgradeWireFixtures

  func testEveryMessageRoundTrips() throws {
    for (label, message) in F.messages {
      let descriptors = F.descriptorCount(message)
      let datagram = UpgradeWire.encode(message, sequence: 77, descriptorCount: descriptors)
      let envelope = try UpgradeWire.decode(datagram, descriptorCount: descriptors)
      XCTAssertEqual(envelope.message, message, label)
      XCTAssertEqual(envelope.header.type, message.type, label)
      XCTAssertEqual(envelope.header.sequence, 77, label)
      XCTAssertEqual(Int(envelope.header.descriptorCount), descriptors, label)
      XCTAssertEqual(Int(envelope.header.payloadLength), datagram.count - UpgradeWire.headerLength, label)
      XCTAssertEqual(
        envelope.header.version, message.type.travelsBeforeAgreement ? 0 : UpgradeWire.version, label)
    }
  }

  func testEveryMessageTypeWithALayoutHasAFixture() {
    let covered = Set(F.messages.map(\.1.type))
    let missing = UpgradeMessageType.allCases.filter { !covered.contains($0) }
    XCTAssertEqual(missing, [])
  }

  func testEveryPhaseRoundTripsAsASession() throws {
    for (label, phase) in F.phases {
      let record = F.session(phase)
      var writer = UpgradeWireWriter()
      writer.write(record)
      var reader = UpgradeWireReader(writer.bytes, descriptorCount: 6)
      XCTAssertEqual(try reader.sessionRecord(), record, label)
      XCTAssertNoThrow(try reader.finish(), label)
    }
  }

  func testPhaseTagsAreDistinct() {
    let tags = F.phases.map(\.1.tag)
    XCTAssertEqual(Set(tags), Set(0...7))
  }

  func testSessionWithoutOptionalFieldsRoundTrips() throws {
    let record = SessionRecord(
      id: UInt32.max, worker: 0, client: 0, peerAddress: F.unix, clientAddress: F.unix, generation: 0,
      listenerName: "", counterRow: 0, phase: .readingProxyHeader)
    var writer = UpgradeWireWriter()
    writer.write(record)
    var reader = UpgradeWireReader(writer.bytes, descriptorCount: 1)
    XCTAssertEqual(try reader.sessionRecord(), record)
    try reader.finish()
  }

  func testAddressesOfEveryFamilyRoundTrip() throws {
    let unnamedUnix: SocketAddress = {
      var storage = sockaddr_storage()
      storage.ss_family = sa_family_t(AF_UNIX)
      return SocketAddress(storage: storage, length: socklen_t(MemoryLayout<sa_family_t>.size))
    }()
    let cases: [(String, SocketAddress?, Int)] = [
      ("none", nil, 2),
      ("IPv4", F.ipv4, 2 + 6),
      ("IPv6", F.ipv6, 2 + 22),
      ("unix path", F.unix, 2 + "/run/app.sock".utf8.count + 1),
      ("abstract unix", F.abstractUnix, 2 + 1 + "abstract".utf8.count),
      ("unnamed unix", unnamedUnix, 2),
    ]
    for (label, address, length) in cases {
      var writer = UpgradeWireWriter()
      writer.writeAddress(address)
      XCTAssertEqual(writer.bytes.count, length, label)
      var reader = UpgradeWireReader(writer.bytes, descriptorCount: 0)
      let decoded = try reader.address(label)
      XCTAssertEqual(decoded, address, label)
      XCTAssertEqual(decoded?.description, address?.description, label)
      try reader.finish()
    }
  }

  func testHeaderLayout() throws {
    let datagram = UpgradeWire.encode(
      .batchAck(sequence: 0x0102_0304), sequence: 0x0A0B_0C0D, descriptorCount: 0)
    XCTAssertEqual(
      Array(datagram.prefix(UpgradeWire.headerLength)),
      [
        0x53, 0x50, 0x4C, 0x55,  // "SPLU"
        UInt8(UpgradeWire.version), 0,  // version
        14, 0,  // BatchAck
        0x0D, 0x0C, 0x0B, 0x0A,  // sequence
        4, 0, 0, 0,  // payload length
        0, 0,  // descriptors
        0, 0,  // reserved
      ])
    XCTAssertEqual(Array(datagram.dropFirst(UpgradeWire.headerLength)), [0x04, 0x03, 0x02, 0x01])
  }

  func testConstants() {
    XCTAssertEqual(UpgradeWire.magic, Array("SPLU".utf8))
    XCTAssertEqual(UpgradeWire.headerLength, 20)
    XCTAssertEqual(UpgradeWire.maximumDescriptors, 253)
    XCTAssertLessThanOrEqual(UpgradeWire.oldestSupported, UpgradeWire.version)
    XCTAssertEqual(UpgradeWire.headerLength + UpgradeWire.maximumPayloadLength, 65536)
    XCTAssertEqual(UpgradeMessageType.allCases.map(\.rawValue), Array(1...20))
    XCTAssertEqual(UpgradeRefusal.allCases.map(\.rawValue), Array(1...12))
  }

  func testEveryRefusalRoundTrips() throws {
    for reason in UpgradeRefusal.allCases {
      for message in [UpgradeMessage.refuse(UpgradeNotice(reason, "why")), .abort(UpgradeNotice(reason))] {
        XCTAssertEqual(try UpgradeWire.decode(F.datagram(message), descriptorCount: 0).message, message)
      }
    }
  }

  func testLargestBytesChunkFitsADatagram() throws {
    let chunk = UpgradeBytesChunk(
      session: 1, side: .toServer, offset: 0,
      bytes: Array(repeating: 0xAB, count: UpgradeWire.maximumPayloadLength - UpgradeBytesChunk.overhead))
    let datagram = UpgradeWire.encode(.bytes(chunk), sequence: 0)
    XCTAssertEqual(datagram.count, UpgradeWire.maximumDatagramLength)
    XCTAssertEqual(try UpgradeWire.decode(datagram, descriptorCount: 0).message, .bytes(chunk))
  }
}
