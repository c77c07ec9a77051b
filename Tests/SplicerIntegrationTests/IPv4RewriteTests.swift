import XCTest

/// The user-space NAT of `ImpairedLink`: after a rewrite, the incrementally patched
/// checksums must equal checksums computed from scratch, or the kernel drops every packet.
final class IPv4RewriteTests: XCTestCase {
  /// An IPv4 packet with valid checksums: `proto` 6 (TCP) or 17 (UDP) and `payload` bytes.
  private func packet(proto: UInt8, payload: Int, fragmentOffset: Int = 0, udpChecksum: Bool = true) -> [UInt8] {
    let transportHeader = proto == 6 ? 20 : 8
    var bytes = [UInt8](repeating: 0, count: 20 + transportHeader + payload)
    bytes[0] = 0x45
    bytes[2] = UInt8(bytes.count >> 8)
    bytes[3] = UInt8(bytes.count & 0xFF)
    bytes[6] = UInt8(fragmentOffset >> 8)
    bytes[7] = UInt8(fragmentOffset & 0xFF)
    bytes[8] = 64
    bytes[9] = proto
    bytes.replaceSubrange(12..<20, with: [10, 231, 7, 1, 10, 231, 7, 2])
    for index in 20..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 37 &+ 11) }
    if proto == 17 {
      let length = transportHeader + payload
      bytes[24] = UInt8(length >> 8)
      bytes[25] = UInt8(length & 0xFF)
    }
    let checksumOffset = proto == 6 ? 36 : 26
    bytes[checksumOffset] = 0
    bytes[checksumOffset + 1] = 0
    if proto == 6 || udpChecksum { setTransportChecksum(&bytes, at: checksumOffset) }
    bytes[10] = 0
    bytes[11] = 0
    let header = IPv4Rewrite.checksum(Array(bytes[0..<20]))
    bytes[10] = UInt8(header >> 8)
    bytes[11] = UInt8(header & 0xFF)
    return bytes
  }

  private func setTransportChecksum(_ bytes: inout [UInt8], at offset: Int) {
    bytes[offset] = 0
    bytes[offset + 1] = 0
    let segment = Array(bytes[20...])
    let pseudo = Array(bytes[12..<20]) + [0, bytes[9], UInt8(segment.count >> 8), UInt8(segment.count & 0xFF)]
    let sum = IPv4Rewrite.checksum(pseudo + segment)
    bytes[offset] = UInt8(sum >> 8)
    bytes[offset + 1] = UInt8(sum & 0xFF)
  }

  func testPatchedChecksumsEqualRecomputedOnes() {
    let rewrites: [(source: [UInt8], destination: [UInt8])] = [
      ([10, 231, 7, 2], [127, 0, 0, 1]),
      ([10, 231, 7, 2], [10, 231, 7, 1]),
      ([255, 255, 255, 255], [0, 0, 0, 0]),
      ([0, 0, 0, 0], [255, 255, 255, 255]),
    ]
    let cases: [(name: String, proto: UInt8, payload: Int)] = [
      ("TCP SYN", 6, 0), ("TCP odd payload", 6, 1_397), ("TCP full segment", 6, 1_460), ("UDP", 17, 99),
    ]
    for (name, proto, payload) in cases {
      for rewrite in rewrites {
        var patched = packet(proto: proto, payload: payload)
        IPv4Rewrite.rewrite(&patched, source: rewrite.source, destination: rewrite.destination)
        var expected = patched
        setTransportChecksum(&expected, at: proto == 6 ? 36 : 26)
        expected[10] = 0
        expected[11] = 0
        let header = IPv4Rewrite.checksum(Array(expected[0..<20]))
        expected[10] = UInt8(header >> 8)
        expected[11] = UInt8(header & 0xFF)
        XCTAssertEqual(Array(patched[12..<20]), rewrite.source + rewrite.destination, name)
        // Checksums are equal as one's-complement values: 0x0000 and 0xFFFF both mean zero.
        XCTAssertEqual(IPv4Rewrite.checksum(Array(patched[0..<20])) % 0xFFFF, 0, "\(name): IP header \(rewrite)")
        XCTAssertEqual(patched.count, expected.count)
        let offset = proto == 6 ? 36 : 26
        let got = UInt16(patched[offset]) << 8 | UInt16(patched[offset + 1])
        let want = UInt16(expected[offset]) << 8 | UInt16(expected[offset + 1])
        XCTAssertEqual(got % 0xFFFF, want % 0xFFFF, "\(name): transport checksum \(rewrite)")
      }
    }
  }

  func testUDPWithoutChecksumAndLaterFragmentsKeepTheirTransportBytes() {
    var udp = packet(proto: 17, payload: 10, udpChecksum: false)
    IPv4Rewrite.rewrite(&udp, source: [1, 2, 3, 4], destination: [5, 6, 7, 8])
    XCTAssertEqual(Array(udp[26..<28]), [0, 0], "a UDP checksum of 0 means none and must stay 0")
    var fragment = packet(proto: 6, payload: 100, fragmentOffset: 185)
    let before = Array(fragment[20...])
    IPv4Rewrite.rewrite(&fragment, source: [1, 2, 3, 4], destination: [5, 6, 7, 8])
    XCTAssertEqual(Array(fragment[20...]), before, "a later fragment carries payload, not a TCP header")
    XCTAssertEqual(IPv4Rewrite.checksum(Array(fragment[0..<20])) % 0xFFFF, 0)
  }

  func testEndpointsRejectWhatIsNotIPv4() {
    XCTAssertNil(IPv4Rewrite.endpoints([0x60] + [UInt8](repeating: 0, count: 39)), "IPv6")
    XCTAssertNil(IPv4Rewrite.endpoints([0x45, 0, 0]), "truncated")
    XCTAssertNil(IPv4Rewrite.endpoints([0x4F] + [UInt8](repeating: 0, count: 39)), "header longer than the packet")
    let valid = packet(proto: 6, payload: 0)
    XCTAssertEqual(IPv4Rewrite.endpoints(valid)?.source, [10, 231, 7, 1])
    XCTAssertEqual(IPv4Rewrite.endpoints(valid)?.destination, [10, 231, 7, 2])
  }
}
