import SplicerProtocol
import SplicerTestSupport
import XCTest

/// ClientHellos that OpenSSL really sent: names, prefixes, record splits, size limits.
final class ClientHelloCaptureTests: XCTestCase {
  typealias Builder = ClientHelloBuilder

  static let captures: [(name: String, bytes: [UInt8], result: ClientHelloParseResult)] = [
    ("tls13", ClientHelloFixtures.tls13WithServerName, .serverName("x.example.com")),
    ("no sni", ClientHelloFixtures.tls13WithoutServerName, .noServerName),
    ("large key share", ClientHelloFixtures.largeKeyShare, .serverName("big.example.com")),
    ("three records", ClientHelloFixtures.fragmented, .serverName("frag.example.com")),
    ("tls12", ClientHelloFixtures.tls12WithServerName, .serverName("legacy.example.org")),
  ]

  func testReadsTheServerNameOfRealClientHellos() {
    for (name, bytes, result) in Self.captures {
      XCTAssertEqual(Builder.parse(bytes), result, name)
      // Application data right behind the hello changes nothing.
      XCTAssertEqual(Builder.parse(bytes + [23, 3, 3, 0, 1, 0]), result, name)
    }
  }

  func testEveryPrefixNeedsMore() {
    for (name, bytes, _) in Self.captures {
      for count in 0..<bytes.count {
        let result = Builder.parse(Array(bytes[..<count]))
        XCTAssertEqual(result, .needMore, "\(name) cut at \(count)")
        if result != .needMore { break }
      }
    }
  }

  func testTheMessageMaySplitAcrossTwoRecordsAtAnyOffset() {
    for (name, bytes, result) in Self.captures {
      let message = Builder.message(of: bytes)
      for cut in 1..<message.count {
        let split = Builder.records(message, cuts: [cut])
        XCTAssertEqual(Builder.parse(split), result, "\(name) split at \(cut)")
        if Builder.parse(split) != result { break }
      }
    }
  }

  func testTheWholeHelloMustFitTheLimit() {
    for (name, bytes, result) in Self.captures {
      XCTAssertEqual(Builder.parse(bytes, maximumSize: bytes.count), result, name)
      XCTAssertEqual(Builder.parse(bytes, maximumSize: bytes.count - 1), .tooLarge, name)
      // The handshake length already shows it cannot fit in one record and its header: no need
      // to wait for the bytes.
      let least = Builder.message(of: bytes).count + 5
      XCTAssertEqual(Builder.parse(Array(bytes.prefix(9)), maximumSize: least - 1), .tooLarge, name)
      XCTAssertEqual(Builder.parse(Array(bytes.prefix(9)), maximumSize: bytes.count), .needMore, name)
    }
    let fragmented = ClientHelloFixtures.fragmented
    XCTAssertEqual(Builder.parse(fragmented, maximumSize: fragmented.count - 1), .tooLarge)
    XCTAssertEqual(Builder.parse(fragmented, maximumSize: 0), .tooLarge)
    XCTAssertEqual(Builder.parse(fragmented, maximumSize: -1), .tooLarge)
  }

  func testARecordSplitCountsItsHeadersAgainstTheLimit() {
    let message = Builder.message(of: ClientHelloFixtures.tls13WithServerName)
    let split = Builder.records(message, cuts: [100, 200])
    XCTAssertEqual(Builder.parse(split, maximumSize: split.count), .serverName("x.example.com"))
    XCTAssertEqual(Builder.parse(split, maximumSize: split.count - 1), .tooLarge)
  }
}
