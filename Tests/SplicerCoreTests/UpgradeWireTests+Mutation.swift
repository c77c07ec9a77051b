import SplicerCore
import XCTest

/// What the fuzz target checks, on seeded mutations of every fixture: decoding any bytes ends
/// in a message or an error, never a trap, and a message that decodes encodes to the very same
/// bytes (the encoding is canonical, so nothing in a datagram goes unread).
extension UpgradeWireTests {
  private typealias F = UpgradeWireFixtures

  func testMutatedDatagramsDecodeOrFailCleanly() {
    var random = Xorshift(seed: 0x5EED_0F_5117_C3)
    var decoded = 0
    for round in 0..<20_000 {
      let (label, message) = F.messages[round % F.messages.count]
      var datagram = F.datagram(message)
      var descriptors = F.descriptorCount(message)
      for _ in 0...random.next(below: 3) {
        switch random.next(below: 5) {
        case 0 where !datagram.isEmpty:
          datagram[random.next(below: datagram.count)] ^= UInt8(1 << random.next(below: 8))
        case 1 where !datagram.isEmpty:
          datagram[random.next(below: datagram.count)] = [0, 1, 0x7F, 0x80, 0xFF][random.next(below: 5)]
        case 2:
          datagram.removeLast(min(datagram.count, random.next(below: 8)))
        case 3:
          datagram.insert(UInt8(random.next(below: 256)), at: random.next(below: datagram.count + 1))
        default:
          descriptors = random.next(below: 255)
        }
      }
      guard let envelope = try? UpgradeWire.decode(datagram, descriptorCount: descriptors) else { continue }
      decoded += 1
      let again = UpgradeWire.encode(
        envelope.message, sequence: envelope.header.sequence, version: envelope.header.version,
        descriptorCount: Int(envelope.header.descriptorCount))
      XCTAssertEqual(again, datagram, "\(label), round \(round): decoded \(envelope.message)")
    }
    // Some mutations (a sequence number, a byte of a string) leave a valid message.
    XCTAssertGreaterThan(decoded, 0)
  }
}

/// A small seeded generator: the same mutations on every run.
struct Xorshift {
  private var state: UInt64

  init(seed: UInt64) { state = seed == 0 ? 1 : seed }

  mutating func next(below bound: Int) -> Int {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    return Int(state % UInt64(bound))
  }
}
