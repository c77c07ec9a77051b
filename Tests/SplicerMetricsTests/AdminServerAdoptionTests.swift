import Glibc
import Logging
import SplicerConfig
import SplicerCore
import SplicerSystem
import XCTest

@testable import SplicerMetrics

/// The admin endpoint's listening socket passed from one `AdminServer` to the next, as a live
/// upgrade passes it: the same port, and a client that connected in between is answered.
final class AdminServerAdoptionTests: XCTestCase {
  private static func request(_ fd: Int32) {
    let text = Array("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8)
    XCTAssertEqual(text.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }, text.count)
  }

  /// Everything until the server closes, waiting at most ten seconds per read.
  private static func response(_ fd: Int32) -> String {
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = recv(fd, &buffer, buffer.count, 0)
      guard count > 0 else { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func connected(_ address: SplicerSystem.SocketAddress) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    XCTAssertEqual(address.withSockAddr { connect(fd, $0, $1) }, 0, "connect: errno \(errno)")
    return fd
  }

  func testPassedAdminSocketIsServedByTheNextServerWithItsBacklog() throws {
    let source = ConfigSource(
      yaml: """
        workers: 1
        listeners: [{ name: web, bind: "127.0.0.1:0", pool: app }]
        pools: { app: { servers: [{ address: "127.0.0.1:9" }] } }
        """)
    let proxy = try ProxyServer(
      generation: ConfigGeneration(number: 1, source: source, configuration: try ConfigLoader.load(source: source)),
      logger: Logger(label: "test"))
    defer { proxy.stop() }
    let routes = AdminRoutes(proxy: proxy, exporter: MetricsExporter(), version: "9.9.9", extraSeries: { [] })

    let listening = try Socket.listen(on: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false, backlog: 64)
    // The old process's copy is the one its server closes; the passed one stays.
    let passed = try Socket.duplicate(listening)
    let old = try AdminServer(boundSocket: listening, routes: routes)
    let first = Self.connected(old.address)
    defer { close(first) }
    Self.request(first)
    XCTAssertTrue(Self.response(first).hasSuffix("ok\n"))
    old.stop()

    // Connected while no server runs: it waits in the passed socket's accept queue.
    let waiting = Self.connected(old.address)
    defer { close(waiting) }
    Self.request(waiting)
    let record = ListenerRecord(
      name: "admin", generation: 1, bind: "127.0.0.1:0", backlog: 64, boundAddress: old.address, isAdmin: true,
      sockets: [1])
    let adopted = try XCTUnwrap(ListenerRecord.adminSocket(in: [record], descriptors: [-1, passed]))
    XCTAssertNil(ListenerRecord.adminSocket(in: [], descriptors: [passed]))
    let new = try AdminServer(boundSocket: adopted, routes: routes)
    defer { new.stop() }
    XCTAssertEqual(new.address, old.address)
    XCTAssertTrue(Self.response(waiting).hasSuffix("ok\n"))
  }
}
