import Glibc
import Logging
import SplicerConfig
import XCTest

@testable import SplicerResolution

/// `ServiceDiscovery.prepare` against a nameserver that refuses at once: a UDP port on
/// loopback that was bound (port 0) and closed, so each query fails without waiting.
final class ServiceDiscoveryPrepareTests: XCTestCase {
  private func closedUDPPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
      }
    }
    XCTAssertTrue(bound)
    return UInt16(bigEndian: address.sin_port)
  }

  private func configuration(nameserver: UInt16, interval: String) throws -> Configuration {
    try ConfigLoader.parse(
      yaml: """
        listeners: [{ name: web, bind: "127.0.0.1:0", pool: found }]
        pools:
          found:
            discover: { srv: _echo._tcp.example, nameserver: "127.0.0.1:\(nameserver)", interval: \(interval) }
          listed:
            servers: [{ address: "127.0.0.1:9000" }]
        """)
  }

  func testAFailedFirstQueryLeavesThePoolEmptyAndAnUnchangedSectionIsNotAskedAgain() throws {
    let port = try closedUDPPort()
    let discovery = try ServiceDiscovery(logger: Logger(label: "test")) {}
    let loaded = try configuration(nameserver: port, interval: "5s")

    let prepared = discovery.prepare(loaded)
    XCTAssertEqual(prepared, loaded, "no answer: no servers, and the listed pool untouched")
    XCTAssertEqual(discovery.failureCounts().map(\.pool), ["found"])
    XCTAssertEqual(discovery.failureCounts().map(\.count), [1])

    // The same section again (a reload): kept, not queried now.
    XCTAssertEqual(discovery.prepare(loaded), loaded)
    XCTAssertEqual(discovery.failureCounts().map(\.count), [1])

    // A changed section: queried at once.
    XCTAssertEqual(discovery.prepare(try configuration(nameserver: port, interval: "6s")).pools[0].servers, [])
    XCTAssertEqual(discovery.failureCounts().map(\.count), [2])
  }
}
