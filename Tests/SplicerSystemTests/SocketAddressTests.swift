import Glibc
import SplicerSystem
import XCTest

final class SocketAddressTests: XCTestCase {
  func testParsesAndFormatsNumericAddresses() {
    let cases: [(ip: String, port: UInt16, family: Int32, text: String)] = [
      ("127.0.0.1", 80, AF_INET, "127.0.0.1:80"),
      ("::1", 443, AF_INET6, "[::1]:443"),
      ("0:0:0:0:0:0:0:1", 1, AF_INET6, "[::1]:1"),
      ("10.1.2.3", 65_535, AF_INET, "10.1.2.3:65535"),
    ]
    for (ip, port, family, text) in cases {
      let address = SocketAddress(ip: ip, port: port)
      XCTAssertEqual(address?.family, family, ip)
      XCTAssertEqual(address?.port, port, ip)
      XCTAssertEqual(address?.description, text, ip)
    }
  }

  func testRejectsWhatIsNotANumericAddress() {
    for text in ["localhost", "256.1.1.1", "1.2.3", "::g", "", "[::1]"] {
      XCTAssertNil(SocketAddress(ip: text, port: 1), text)
    }
  }

  func testEqualityAndHashingFollowTheBytes() {
    XCTAssertEqual(SocketAddress(ip: "::1", port: 5), SocketAddress(ip: "0::1", port: 5))
    XCTAssertNotEqual(SocketAddress(ip: "::1", port: 5), SocketAddress(ip: "::1", port: 6))
    XCTAssertEqual(Set([SocketAddress(ip: "127.0.0.1", port: 1)!, SocketAddress(ip: "127.0.0.1", port: 1)!]).count, 1)
  }

  func testPipeGrantsWhatTheKernelAllows() throws {
    let pipe = try Pipe.make(requestedCapacity: 1 << 20)
    defer { pipe.close() }
    // 1 MiB is fs.pipe-max-size here; under a pipe quota the kernel grants less but never 0.
    XCTAssertGreaterThanOrEqual(pipe.capacity, 4_096)
    XCTAssertLessThanOrEqual(pipe.capacity, 1 << 20)
    let odd = try Pipe.make(requestedCapacity: 100_000)
    defer { odd.close() }
    // The kernel rounds up to a power-of-two number of pages.
    XCTAssertEqual(odd.capacity, 131_072)
  }
}
