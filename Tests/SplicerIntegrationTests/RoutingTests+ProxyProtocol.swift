import Foundation
import Glibc
import SplicerProtocol
import SplicerSystem
import SplicerTestSupport
import XCTest

extension RoutingTests {
  /// `send_proxy` v1 and v2 to nginx, which reports the client address it was given; and
  /// `accept_proxy` from a trusted peer, whose address travels on to the next PROXY hop.
  func testPROXYProtocolCarriesTheRealClientAddressToNginx() throws {
    let directory = try temporaryDirectory()
    let nginx = try HelperServers.nginxShowingProxyAddress(in: directory)
    defer { nginx.process.terminate() }
    let relay = try SplicerProcess(
      yaml: """
        workers: 2
        listeners:
          - { name: v1, bind: 127.0.0.1:0, pool: nginx_v1 }
          - { name: v2, bind: 127.0.0.1:0, pool: nginx_v2 }
          - name: chain
            bind: 127.0.0.1:0
            accept_proxy: { trusted: ["127.0.0.0/8"], timeout: 2s }
            routes: [{ source: ["198.51.100.0/24"], pool: nginx_v2 }]
          - name: picky
            bind: 127.0.0.1:0
            accept_proxy: { trusted: ["10.0.0.0/8"] }
            pool: nginx_v2
        pools:
          nginx_v1: { send_proxy: v1, servers: [{ address: "127.0.0.1:\(nginx.port)" }] }
          nginx_v2: { send_proxy: v2, servers: [{ address: "127.0.0.1:\(nginx.port)" }] }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:0 }
        """, listeners: ["v1", "v2", "chain", "picky"])
    defer { relay.stop() }
    func answer(_ fd: Int32) -> String {
      let (bytes, _) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
      close(fd)
      return String(decoding: bytes, as: UTF8.self)
    }
    for (listener, source) in [("v1", "127.0.0.5"), ("v2", "127.0.0.6")] {
      let (fd, clientPort) = try TestSockets.connect(port: relay.port(listener), from: source)
      XCTAssertEqual(answer(fd), "\(source) \(clientPort)\n", "nginx behind send_proxy \(listener)")
    }
    // A load balancer in front says the client is 198.51.100.7:40000: the source route
    // matches that address, and nginx sees it too.
    let chained = try TestSockets.connect(port: relay.port("chain"))
    XCTAssertTrue(TestSockets.writeAll(chained, Array("PROXY TCP4 198.51.100.7 127.0.0.1 40000 443\r\n".utf8)))
    XCTAssertEqual(answer(chained), "198.51.100.7 40000\n")
    // The same in binary (v2), from an IPv6 client this time.
    let chainedV2 = try TestSockets.connect(port: relay.port("chain"))
    let v2 = ProxyHeaderEncoder.v2(
      source: SocketAddress(ip: "2001:db8::7", port: 40001)!, destination: SocketAddress(ip: "2001:db8::1", port: 443)!)
    XCTAssertTrue(TestSockets.writeAll(chainedV2, v2))
    // Not in the 198.51.100.0/24 source route, and the listener has no default pool.
    XCTAssertEqual(answer(chainedV2), "")
    // Broken headers close only their own connection.
    for bad in [
      "PROXY TCP4 198.51.100.7 nonsense 1 2\r\n", "GET / HTTP/1.1\r\n\r\n", String(repeating: "P", count: 300),
    ] {
      let fd = try TestSockets.connect(port: relay.port("chain"))
      _ = TestSockets.writeAll(fd, Array(bad.utf8))
      XCTAssertEqual(answer(fd), "", "no answer after a malformed header")
    }
    let untrusted = try TestSockets.connect(port: relay.port("picky"))
    _ = TestSockets.writeAll(untrusted, Array("PROXY TCP4 10.1.1.1 127.0.0.1 1 2\r\n".utf8))
    XCTAssertEqual(answer(untrusted), "")
    relay.waitForClosedConnections(8)
    let metrics = try HTTPGet.get(port: relay.port("admin"), path: "/metrics").body
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"chain\",reason=\"no_route\"}"), 1)
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"chain\",reason=\"proxy_header_invalid\"}"), 3
    )
    XCTAssertEqual(
      HTTPGet.sample(metrics, "splicer_connections_closed_total{listener=\"picky\",reason=\"proxy_untrusted\"}"), 1)
    XCTAssertEqual(HTTPGet.sample(metrics, "splicer_proxy_headers_total{listener=\"chain\"}"), 2)
    XCTAssertTrue(
      relay.allLines().contains { $0.contains("\"client\":\"[2001:db8::7]:40001\"") && $0.contains("no_route") },
      "the access log names the client the PROXY header gave")
  }
}
