import SplicerCore
import XCTest

/// Strict decoding: input from the peer is untrusted, so every malformed datagram is a typed
/// error, never a trap and never a half-read message.
extension UpgradeWireTests {
  private typealias F = UpgradeWireFixtures

  func testEveryTruncationIsRejected() {
    for (label, message) in F.messages {
      let descriptors = F.descriptorCount(message)
      let datagram = F.datagram(message)
      for length in 0..<datagram.count {
        XCTAssertThrowsError(
          try UpgradeWire.decode(datagram.prefix(length), descriptorCount: descriptors), "\(label) cut at \(length)")
      }
      // The same cuts with a header that agrees with them: the payload decoder itself must see
      // that its message ends early.
      let payload = F.payload(message)
      for length in 0..<payload.count {
        let cut = F.datagram(
          type: message.type.rawValue, payload: Array(payload.prefix(length)), descriptors: descriptors,
          version: message.type.travelsBeforeAgreement ? 0 : UpgradeWire.version)
        XCTAssertThrowsError(
          try UpgradeWire.decode(cut, descriptorCount: descriptors), "\(label) payload cut at \(length)")
      }
    }
  }

  func testTrailingBytesAreRejected() {
    for (label, message) in F.messages {
      let descriptors = F.descriptorCount(message)
      let longer = F.datagram(
        type: message.type.rawValue, payload: F.payload(message) + [0], descriptors: descriptors,
        version: message.type.travelsBeforeAgreement ? 0 : UpgradeWire.version)
      XCTAssertThrowsError(try UpgradeWire.decode(longer, descriptorCount: descriptors), label) { error in
        XCTAssertEqual(error as? UpgradeWireError, .trailingBytes(count: 1), label)
      }
    }
  }

  func testHeaderChecks() {
    let good = F.datagram(.batchAck(sequence: 1))
    func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
      var copy = good
      copy.replaceSubrange(offset..<offset + bytes.count, with: bytes)
      return copy
    }
    let maximum = UInt32(UpgradeWire.maximumPayloadLength)
    let cases: [(String, [UInt8], Int, UpgradeWireError)] = [
      ("bad magic", patched(0, Array("SPLV".utf8)), 0, .badMagic),
      ("unknown type 0", patched(6, [0, 0]), 0, .unknownMessageType(0)),
      ("unknown type 21", patched(6, [21, 0]), 0, .unknownMessageType(21)),
      ("unknown type 0xFFFF", patched(6, [0xFF, 0xFF]), 0, .unknownMessageType(0xFFFF)),
      ("version 0 after agreement", patched(4, [0, 0]), 0, .unsupportedVersion(0, type: .batchAck)),
      (
        "a newer version", patched(4, [UInt8(UpgradeWire.version + 1), 0]), 0,
        .unsupportedVersion(UpgradeWire.version + 1, type: .batchAck)
      ),
      ("a version in Hello", F.datagram(type: 1, payload: [], version: 1), 0, .unsupportedVersion(1, type: .hello)),
      ("reserved not 0", patched(18, [1, 0]), 0, .reservedNotZero),
      (
        "payload length above the maximum",
        patched(12, withUnsafeBytes(of: (maximum + 1).littleEndian) { Array($0) }), 0,
        .outOfRange(field: "payload length", value: UInt64(maximum) + 1, limit: UInt64(maximum))
      ),
      (
        "payload length longer than the datagram", patched(12, [5, 0, 0, 0]), 0,
        .payloadLengthMismatch(announced: 5, actual: 4)
      ),
      (
        "payload length shorter than the datagram", patched(12, [3, 0, 0, 0]), 0,
        .payloadLengthMismatch(announced: 3, actual: 4)
      ),
      ("254 descriptors", patched(16, [254, 0]), 0, .outOfRange(field: "descriptor count", value: 254, limit: 253)),
      (
        "descriptors announced, none arrived", patched(16, [1, 0]), 0,
        .descriptorCountMismatch(announced: 1, received: 0)
      ),
      ("descriptors arrived, none announced", good, 2, .descriptorCountMismatch(announced: 0, received: 2)),
      (
        "descriptors beside a message without any", patched(16, [1, 0]), 1,
        .unexpectedDescriptors(type: .batchAck, count: 1)
      ),
      ("header cut short", Array(good.prefix(19)), 0, .truncated(field: "reserved")),
    ]
    for (label, datagram, descriptors, expected) in cases {
      XCTAssertThrowsError(try UpgradeWire.decode(datagram, descriptorCount: descriptors), label) { error in
        XCTAssertEqual(error as? UpgradeWireError, expected, label)
      }
    }
  }

  /// Hand-made payloads, each wrong in one field.
  func testMalformedPayloadsAreRejected() {
    let batch = F.payload(.sessionBatch([F.session(.readingProxyHeader)]))
    // In a batch of one session: the count (2 bytes), id (4), worker (2), then the phase tag,
    // the flags, the client reference and the peer address.
    let tagOffset = 2 + 4 + 2
    func session(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
      var copy = batch
      copy.replaceSubrange(offset..<offset + bytes.count, with: bytes)
      return copy
    }
    var hugeBatch = UpgradeWireWriter()
    hugeBatch.write(UInt16(254))
    var badText = UpgradeWireWriter()
    badText.write(UpgradeRefusal.aborted.rawValue)
    badText.write(UInt16(2))
    badText.append([0xC3, 0x28])
    var noSockets = UpgradeWireWriter()
    noSockets.write(UInt16(1))
    noSockets.write(
      ListenerRecord(name: "web", generation: 1, bind: "x", backlog: 1, boundAddress: F.ipv4, sockets: []))
    let cases: [(String, UpgradeMessageType, [UInt8], Int, UpgradeWireError)] = [
      ("unknown phase", .sessionBatch, session(tagOffset, [8]), 1, .unknownTag(field: "phase", value: 8)),
      (
        "unknown session flag", .sessionBatch, session(tagOffset + 1, [0x80]), 1,
        .unknownTag(field: "session flags", value: 0x80)
      ),
      ("client past the descriptors", .sessionBatch, batch, 0, .descriptorOutOfRange(index: 0, count: 0)),
      (
        "no client", .sessionBatch, session(tagOffset + 2, [0xFF, 0xFF]), 1,
        .inconsistent("client refers to no descriptor")
      ),
      (
        "unknown address family", .sessionBatch, session(tagOffset + 4, [5]), 1,
        .unknownTag(field: "peer address family", value: 5)
      ),
      (
        "IPv4 of 7 bytes", .sessionBatch, session(tagOffset + 5, [7]), 1,
        .outOfRange(field: "peer address length", value: 7, limit: 6)
      ),
      ("no peer address", .sessionBatch, session(tagOffset + 4, [0, 0]), 1, .inconsistent("peer address is missing")),
      ("254 sessions", .sessionBatch, hugeBatch.bytes, 1, .outOfRange(field: "session count", value: 254, limit: 253)),
      ("254 mirrors", .mirrorBatch, hugeBatch.bytes, 1, .outOfRange(field: "mirror count", value: 254, limit: 253)),
      ("254 listeners", .listeners, hugeBatch.bytes, 1, .outOfRange(field: "listener count", value: 254, limit: 253)),
      ("a listener without sockets", .listeners, noSockets.bytes, 0, .inconsistent("listener web without a socket")),
      ("text that is not UTF-8", .abort, badText.bytes, 0, .invalidText(field: "reason text")),
      ("unknown refusal", .refuse, [99, 0, 0, 0], 0, .unknownTag(field: "reason", value: 99)),
      ("a bool of 2", .released, [2], 0, .unknownTag(field: "pending reload", value: 2)),
      ("unknown side", .bytes, [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0], 0, .unknownTag(field: "bytes side", value: 2)),
      (
        "chunk longer than a payload", .bytes, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], 0,
        .outOfRange(field: "bytes", value: 0xFFFF_FFFF, limit: UInt64(UpgradeWire.maximumPayloadLength))
      ),
      ("a Hello range upside down", .hello, [2, 0, 1, 0], 0, .inconsistent("wire range 2...1")),
      ("unknown counter table", .counters, [8], 0, .unknownTag(field: "counter table", value: 8)),
      (
        "counters without columns", .counters, [0, 0, 0, 0, 0, 0, 0], 0,
        .inconsistent("a counter table without columns")
      ),
      ("counters in broken rows", .counters, [0, 0, 0, 0, 0, 2, 0, 3, 0], 0, .inconsistent("3 values in rows of 2")),
      ("more counters than bytes", .counters, [0, 0, 0, 0, 0, 1, 0, 3, 0], 0, .truncated(field: "counter values")),
    ]
    for (label, type, payload, descriptors, expected) in cases {
      let datagram = F.datagram(
        type: type.rawValue, payload: payload, descriptors: descriptors,
        version: type.travelsBeforeAgreement ? 0 : UpgradeWire.version)
      XCTAssertThrowsError(try UpgradeWire.decode(datagram, descriptorCount: descriptors), label) { error in
        XCTAssertEqual(error as? UpgradeWireError, expected, label)
      }
    }
  }

  /// Directions whose carrier contradicts their pending count, and carriers this version
  /// does not know.
  func testInconsistentDirectionsAreRejected() {
    let cases: [(String, DirectionRecord, UInt8?, UpgradeWireError)] = [
      ("pending without carrier", DirectionRecord(pending: 3), nil, .inconsistent("3 bytes pending without a carrier")),
      (
        "pipe with nothing pending", DirectionRecord(pending: 0, carrier: .pipe(read: 0, write: 1)), nil,
        .inconsistent("a pipe carrier with nothing pending")
      ),
      (
        "buffer with nothing pending", DirectionRecord(pending: 0, carrier: .buffer(inline: [])), nil,
        .inconsistent("a buffer carrier with nothing pending")
      ),
      (
        "more inline than pending", DirectionRecord(pending: 1, carrier: .buffer(inline: [1, 2])), nil,
        .outOfRange(field: "inline bytes", value: 2, limit: 1)
      ),
      ("unknown carrier", DirectionRecord(pending: 0), 3, .unknownTag(field: "carrier", value: 3)),
      (
        "unknown direction flag", DirectionRecord(flags: DirectionRecord.Flags(rawValue: 0x80)), nil,
        .unknownTag(field: "direction flags", value: 0x80)
      ),
    ]
    for (label, direction, carrierTag, expected) in cases {
      var writer = UpgradeWireWriter()
      writer.write(direction)
      var bytes = writer.bytes
      if let carrierTag { bytes[1 + 8 + 4] = carrierTag }
      var reader = UpgradeWireReader(bytes, descriptorCount: 2)
      XCTAssertThrowsError(try reader.directionRecord(), label) { error in
        XCTAssertEqual(error as? UpgradeWireError, expected, label)
      }
    }
  }
}
