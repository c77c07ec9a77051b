import Logging
import SplicerSystem
import XCTest

@testable import SplicerResolution

/// A resolver seeded with another process's answers (a live upgrade): a name whose lookup
/// fails keeps the seed, one whose lookup succeeds takes its own answer.
final class HostnameResolverSeedingTests: XCTestCase {
  func testSeedStandsInForAFailedLookupOnly() throws {
    let resolver = try HostnameResolver(logger: Logger(label: "test"))
    defer { resolver.stop() }
    let old = try XCTUnwrap(SocketAddress(ip: "10.0.0.9", port: 80))
    let names: [(host: String, port: UInt16, interval: Duration)] = [
      ("seeded.invalid", 80, .seconds(60)), ("unseeded.invalid", 80, .seconds(60)), ("localhost", 81, .seconds(60)),
    ]
    let addresses = resolver.prepare(names, seeded: ["seeded.invalid:80": [old], "localhost:81": [old]])

    // (key, whether the old answer is what the name has now)
    let cases: [(key: String, keepsSeed: Bool, hasAnswer: Bool)] = [
      ("seeded.invalid:80", true, true),
      ("unseeded.invalid:80", false, false),
      ("localhost:81", false, true),
    ]
    for (key, keepsSeed, hasAnswer) in cases {
      let address = try XCTUnwrap(addresses[key], key)
      XCTAssertEqual(address.all == [old], keepsSeed, key)
      XCTAssertEqual(!address.all.isEmpty, hasAnswer, key)
      XCTAssertEqual(resolver.answers[key] != nil, hasAnswer, "answers lists \(key) only with an answer")
    }
  }
}
