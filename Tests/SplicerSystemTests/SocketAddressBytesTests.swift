import Glibc
import SplicerSystem
import XCTest

/// SocketAddress built from raw address bytes and from unix paths, and read back.
final class SocketAddressBytesTests: XCTestCase {
  func testBuildsIPAddressesFromTheirBytes() {
    let cases: [(bytes: [UInt8], port: UInt16, text: String, family: Int32)] = [
      ([127, 0, 0, 1], 80, "127.0.0.1:80", AF_INET),
      ([192, 0, 2, 255], 0, "192.0.2.255:0", AF_INET),
      ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 443, "[::1]:443", AF_INET6),
      ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd], 65_535, "[2001:db8::abcd]:65535", AF_INET6),
    ]
    for (bytes, port, text, family) in cases {
      let address =
        bytes.count == 4 ? SocketAddress(ipv4: bytes, port: port) : SocketAddress(ipv6: bytes, port: port)
      XCTAssertEqual(address?.description, text)
      XCTAssertEqual(address?.family, family, text)
      XCTAssertEqual(address?.ipBytes, bytes, text)
      XCTAssertEqual(address?.port, port, text)
    }
  }

  func testBytesInitialisersEqualTheParsedAddress() {
    XCTAssertEqual(SocketAddress(ipv4: [10, 1, 2, 3], port: 8), SocketAddress(ip: "10.1.2.3", port: 8))
    XCTAssertEqual(
      SocketAddress(ipv6: [UInt8](repeating: 0, count: 15) + [1], port: 8), SocketAddress(ip: "::1", port: 8))
    // A slice is a collection too, as the PROXY v2 parser passes them.
    let packet: [UInt8] = [9, 9, 10, 0, 0, 1, 9]
    XCTAssertEqual(SocketAddress(ipv4: packet[2..<6], port: 1), SocketAddress(ip: "10.0.0.1", port: 1))
  }

  func testRejectsAWrongNumberOfBytes() {
    for count in [0, 3, 5, 16] { XCTAssertNil(SocketAddress(ipv4: [UInt8](repeating: 1, count: count), port: 1)) }
    for count in [0, 4, 15, 17] { XCTAssertNil(SocketAddress(ipv6: [UInt8](repeating: 1, count: count), port: 1)) }
  }

  func testUnixPathAddress() throws {
    let address = try XCTUnwrap(SocketAddress(unixPath: "/run/splicer/app.sock"))
    XCTAssertEqual(address.family, AF_UNIX)
    XCTAssertEqual(address.unixPath, "/run/splicer/app.sock")
    XCTAssertEqual(address.host, "/run/splicer/app.sock")
    XCTAssertEqual(address.port, 0)
    XCTAssertEqual(address.ipBytes, [])
    XCTAssertEqual(address.description, "unix:/run/splicer/app.sock")
    XCTAssertEqual(Int(address.length), MemoryLayout<sa_family_t>.size + 21 + 1)
    XCTAssertNil(SocketAddress(ip: "127.0.0.1", port: 1)?.unixPath)
  }

  func testUnixPathMustFitSunPathWithItsNul() {
    XCTAssertNotNil(SocketAddress(unixPath: "/" + String(repeating: "a", count: 106)))  // 107 + NUL = 108
    XCTAssertNil(SocketAddress(unixPath: "/" + String(repeating: "a", count: 107)))
    XCTAssertNil(SocketAddress(unixPath: ""))
    XCTAssertNil(SocketAddress(unixPath: "/tmp/a\u{0}b"))
  }

  func testUnixEqualityAndHashingFollowThePath() {
    let first = SocketAddress(unixPath: "/tmp/a.sock")!
    XCTAssertEqual(first, SocketAddress(unixPath: "/tmp/a.sock"))
    XCTAssertNotEqual(first, SocketAddress(unixPath: "/tmp/b.sock"))
    XCTAssertNotEqual(first, SocketAddress(unixPath: "/tmp/a.sock2"))
    XCTAssertEqual(Set([first, SocketAddress(unixPath: "/tmp/a.sock")!, SocketAddress(unixPath: "/tmp/b")!]).count, 2)
  }

  func testMatchesWhatTheKernelReportsForABoundPath() throws {
    let path = "/tmp/splicer-address-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    let address = try XCTUnwrap(SocketAddress(unixPath: path))
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer {
      close(fd)
      unlink(path)
    }
    XCTAssertEqual(address.withSockAddr { bind(fd, $0, $1) }, 0, String(cString: strerror(errno)))
    let reported = try XCTUnwrap(boundAddress(of: fd))
    XCTAssertEqual(reported, address)
    XCTAssertEqual(reported.hashValue, address.hashValue)
    XCTAssertEqual(reported.description, "unix:\(path)")
  }

  func testAnUnnamedUnixSocketHasTheEmptyPath() throws {
    var fds: [Int32] = [-1, -1]
    XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
    defer { fds.forEach { close($0) } }
    let reported = try XCTUnwrap(boundAddress(of: fds[0]))
    XCTAssertEqual(reported.family, AF_UNIX)
    XCTAssertEqual(reported.unixPath, "")
    XCTAssertEqual(reported.description, "unix:")
  }

  private func boundAddress(of fd: Int32) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return result == 0 ? SocketAddress(storage: storage, length: length) : nil
  }
}
