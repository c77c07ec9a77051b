import SplicerConfig
import SplicerRouting
import SplicerSystem
import XCTest

final class RoutingTableTests: XCTestCase {
  private let yaml = """
    listeners:
      - name: edge
        bind: "127.0.0.1:0"
        allow: ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]
        deny: ["10.66.0.0/16"]
        routes:
          - sni: ["api.example.com", "*.api.example.com"]
            pool: api
          - sni: ["admin.example.com"]
            source: ["10.1.0.0/16"]
            pool: admin
          - source: ["10.0.0.0/8", "2001:db8:1::/48"]
            pool: internal
        pool: web
      - name: strict
        bind: "[::1]:0"
        routes: [{ sni: ["only.example.com"], pool: api }]
    pools:
      api: { servers: [{ address: "127.0.0.1:9000" }, { address: "127.0.0.2:9001" }] }
      admin: { servers: [{ address: "127.0.0.1:9100" }] }
      internal: { retries: 0, servers: [{ address: "[::1]:9002" }] }
      web: { servers: [{ address: "unix:/run/web.sock" }] }
    """

  private func bytes(_ text: String) -> [UInt8] {
    SocketAddress(ip: text, port: 1)!.ipBytes
  }

  func testFirstMatchingRouteWinsThenTheDefaultPool() throws {
    let table = RoutingTable(configuration: try ConfigLoader.parse(yaml: yaml))
    let edge = try XCTUnwrap(table.routes(forListener: "edge"))
    let strict = try XCTUnwrap(table.routes(forListener: "strict"))
    XCTAssertTrue(edge.needsServerName)
    let cases: [(routes: ListenerRoutes, sni: String?, source: String, pool: String?)] = [
      (edge, "api.example.com", "192.0.2.1", "api"),
      (edge, "v2.api.example.com", "10.1.2.3", "api"),
      (edge, "a.b.api.example.com", "192.0.2.1", "api"),
      // Wildcards need a label in front: the bare suffix is not matched by "*.".
      (edge, "example.com", "192.0.2.1", "web"),
      // sni and source together: both must hold.
      (edge, "admin.example.com", "10.1.9.9", "admin"),
      (edge, "admin.example.com", "10.2.9.9", "internal"),
      (edge, "admin.example.com", "192.0.2.9", "web"),
      // No name (not TLS, or the inspection failed): only source routes and the default.
      (edge, nil, "10.9.9.9", "internal"),
      (edge, nil, "192.0.2.9", "web"),
      (edge, nil, "2001:db8:1::5", "internal"),
      (edge, nil, "2001:db8:2::5", "web"),
      // A dual-stack listener sees IPv4 clients as mapped addresses.
      (edge, nil, "::ffff:10.3.3.3", "internal"),
      (strict, "only.example.com", "::1", "api"),
      (strict, "other.example.com", "::1", nil),
      (strict, nil, "::1", nil),
    ]
    for (routes, sni, source, pool) in cases {
      XCTAssertEqual(
        routes.pool(serverName: sni, source: bytes(source))?.name, pool, "sni \(sni ?? "-") from \(source)")
    }
  }

  func testDenyWinsOverAllowAndEmptyAllowAdmitsEveryone() throws {
    let table = RoutingTable(configuration: try ConfigLoader.parse(yaml: yaml))
    let edge = try XCTUnwrap(table.routes(forListener: "edge"))
    let strict = try XCTUnwrap(table.routes(forListener: "strict"))
    let cases: [(routes: ListenerRoutes, source: String, admitted: Bool)] = [
      (edge, "10.1.1.1", true),
      (edge, "10.66.1.1", false),
      (edge, "192.0.2.200", true),
      (edge, "192.0.3.1", false),
      (edge, "2001:db8::1", true),
      (edge, "2001:db9::1", false),
      (edge, "::ffff:10.66.0.1", false),
      (edge, "::ffff:10.65.0.1", true),
      (strict, "203.0.113.9", true),
      (strict, "::1", true),
    ]
    for (routes, source, admitted) in cases {
      XCTAssertEqual(routes.admits(bytes(source)), admitted, source)
    }
  }

  func testPoolsKeepServerOrderAndSettings() throws {
    let table = RoutingTable(configuration: try ConfigLoader.parse(yaml: yaml))
    let api = try XCTUnwrap(table.pools["api"])
    XCTAssertEqual(api.servers.map(\.name), ["127.0.0.1:9000", "127.0.0.2:9001"])
    XCTAssertEqual(api.servers.map(\.id), [0, 1])
    XCTAssertEqual(api.retries, 1)
    XCTAssertEqual(table.pools["internal"]?.retries, 0)
    XCTAssertEqual(table.pools["web"]?.servers.first?.currentAddress?.description, "unix:/run/web.sock")
    XCTAssertEqual(table.servers.count, 5)
  }
}
