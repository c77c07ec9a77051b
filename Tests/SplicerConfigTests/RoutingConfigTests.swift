import XCTest

@testable import SplicerConfig

/// The routing keys load into the values the relay uses, with their defaults where left out.
final class RoutingConfigTests: XCTestCase {
  func testFullExampleLoadsEveryRoutingKey() throws {
    let yaml = """
      listeners:
        - name: edge
          bind: 0.0.0.0:443
          allow: ["0.0.0.0/0", "::/0"]
          deny: ["203.0.113.0/24"]
          max_connections: 10000
          accept_proxy: { trusted: ["10.0.0.0/8"], timeout: 2s }
          inspect: { timeout: 3s, max_size: 8k, on_failure: close }
          routes:
            - sni: ["api.example.com", "*.api.example.com"]
              pool: api
            - source: ["10.0.0.0/8", "fd00::/8"]
              pool: internal
            - { sni: admin.example.com, source: 192.0.2.0/24, pool: internal }
          pool: web
        - name: inner
          bind: "[::]:8080"
          accept_proxy: true
          routes:
            - source: 10.0.0.0/8
              pool: internal
      pools:
        api:
          balance: least_connections
          send_proxy: v2
          queue: { size: 0, timeout: 1s }
          resolve_interval: 1m
          servers:
            - { address: "10.0.1.10:8443", weight: 3, max_connections: 1000 }
            - { address: "api-b.internal:8443" }
            - { address: "unix:/run/api.sock", drain: true }
            - { address: "10.0.1.99:8443", backup: true }
        internal:
          servers: [{ address: "[fd00::5]:9000" }]
        web:
          balance: source_hash
          servers: [{ address: localhost:8080 }]
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "routing.yaml")
    let tenSlash8 = try CIDR(parsing: "10.0.0.0/8")
    let edge = ListenerConfig(
      name: "edge", bind: Endpoint(family: .ipv4, host: "0.0.0.0", port: 443), pool: "web",
      routes: [
        RouteConfig(
          sni: [try SNIPattern(parsing: "api.example.com"), try SNIPattern(parsing: "*.api.example.com")], pool: "api"),
        RouteConfig(source: [tenSlash8, try CIDR(parsing: "fd00::/8")], pool: "internal"),
        RouteConfig(
          sni: [try SNIPattern(parsing: "admin.example.com")], source: [try CIDR(parsing: "192.0.2.0/24")],
          pool: "internal"),
      ],
      allow: [try CIDR(parsing: "0.0.0.0/0"), try CIDR(parsing: "::/0")],
      deny: [try CIDR(parsing: "203.0.113.0/24")], maxConnections: 10000,
      acceptProxy: AcceptProxyConfig(trusted: [tenSlash8], timeout: .seconds(2)),
      inspect: InspectConfig(timeout: .seconds(3), maxSize: 8192, onFailure: .close))
    let inner = ListenerConfig(
      name: "inner", bind: Endpoint(family: .ipv6, host: "::", port: 8080), pool: nil,
      routes: [RouteConfig(source: [tenSlash8], pool: "internal")], acceptProxy: AcceptProxyConfig())
    let api = PoolConfig(
      name: "api",
      servers: [
        ServerConfig(
          address: .ip(Endpoint(family: .ipv4, host: "10.0.1.10", port: 8443)), weight: 3, maxConnections: 1000),
        ServerConfig(address: .hostname("api-b.internal", port: 8443)),
        ServerConfig(address: .unix(path: "/run/api.sock"), drain: true),
        ServerConfig(address: Endpoint(family: .ipv4, host: "10.0.1.99", port: 8443), backup: true),
      ],
      retries: 3, balance: .leastConnections, sendProxy: .v2, queue: QueueConfig(size: 0, timeout: .seconds(1)),
      resolveInterval: .seconds(60))
    let internalPool = PoolConfig(
      name: "internal", servers: [ServerConfig(address: Endpoint(family: .ipv6, host: "fd00::5", port: 9000))],
      retries: 0)
    let web = PoolConfig(
      name: "web", servers: [ServerConfig(address: .hostname("localhost", port: 8080))], retries: 0,
      balance: .sourceHash)
    XCTAssertEqual(config.listeners, [edge, inner])
    XCTAssertEqual(config.pools, [api, internalPool, web])
    XCTAssertTrue(config.listeners[0].needsClientHello)
    XCTAssertFalse(config.listeners[1].needsClientHello)
    XCTAssertEqual(config.listeners[0].poolNames, ["api", "internal", "web"])
    XCTAssertEqual(config.listeners[1].poolNames, ["internal"])
  }

  func testDefaultsOfTheRoutingKeys() throws {
    let yaml = """
      listeners:
        - { name: web, bind: 127.0.0.1:8080, pool: app, accept_proxy: false, inspect: }
      pools:
        app:
          servers: [{ address: 127.0.0.1:9000 }]
          queue:
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "defaults.yaml")
    let listener = config.listeners[0]
    XCTAssertEqual(listener.routes, [])
    XCTAssertEqual(listener.allow, [])
    XCTAssertEqual(listener.deny, [])
    XCTAssertNil(listener.maxConnections)
    XCTAssertNil(listener.acceptProxy, "accept_proxy: false is no PROXY header")
    XCTAssertEqual(listener.inspect, InspectConfig(timeout: .seconds(5), maxSize: 16384, onFailure: .defaultRoute))
    XCTAssertFalse(listener.needsClientHello)
    let pool = config.pools[0]
    XCTAssertEqual(pool.balance, .roundRobin)
    XCTAssertNil(pool.sendProxy)
    XCTAssertEqual(pool.queue, QueueConfig(size: 1024, timeout: .seconds(5)))
    XCTAssertEqual(pool.resolveInterval, .seconds(30))
    XCTAssertEqual(
      pool.servers,
      [
        ServerConfig(
          address: .ip(Endpoint(family: .ipv4, host: "127.0.0.1", port: 9000)), drain: false, weight: 1,
          backup: false, maxConnections: nil)
      ])
  }

  func testSameNameMayBeRoutedAgainForOtherSources() throws {
    let yaml = """
      listeners:
        - name: edge
          bind: 127.0.0.1:0
          routes:
            - { sni: a.example.com, source: 10.0.0.0/8, pool: app }
            - { sni: a.example.com, source: 192.0.2.0/24, pool: app }
            - { sni: a.example.com, pool: app }
      pools:
        app: { servers: [{ address: 127.0.0.1:9000 }] }
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "sni.yaml")
    XCTAssertEqual(config.listeners[0].routes.count, 3)
    XCTAssertNil(config.listeners[0].pool)
  }

  func testHealthCheckWithUnixServersIsFineWithoutAPortOverride() throws {
    let yaml = """
      listeners: [{ name: web, bind: 127.0.0.1:0, pool: app }]
      pools:
        app:
          health_check: { type: tcp }
          servers: [{ address: "unix:/run/app.sock" }, { address: 127.0.0.1:9000 }]
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "unix.yaml")
    XCTAssertEqual(config.pools[0].healthCheck?.port, nil)
  }

  func testRoutesMatchAndListenersAdmit() throws {
    let route = RouteConfig(
      sni: [try SNIPattern(parsing: "*.example.com")], source: [try CIDR(parsing: "10.0.0.0/8")], pool: "p")
    let inside: [UInt8] = [10, 1, 1, 1]
    let outside: [UInt8] = [11, 1, 1, 1]
    XCTAssertTrue(route.matches(serverName: "a.example.com", clientAddress: inside))
    XCTAssertFalse(route.matches(serverName: "a.example.com", clientAddress: outside))
    XCTAssertFalse(route.matches(serverName: nil, clientAddress: inside))
    XCTAssertFalse(route.matches(serverName: "example.com", clientAddress: inside))
    XCTAssertTrue(
      RouteConfig(source: [try CIDR(parsing: "10.0.0.0/8")], pool: "p").matches(serverName: nil, clientAddress: inside))

    var listener = ListenerConfig(name: "l", bind: Endpoint(family: .ipv4, host: "0.0.0.0", port: 1), pool: "p")
    XCTAssertTrue(listener.admits(clientAddress: outside), "no lists: everyone")
    listener.allow = [try CIDR(parsing: "10.0.0.0/8")]
    XCTAssertTrue(listener.admits(clientAddress: inside))
    XCTAssertFalse(listener.admits(clientAddress: outside))
    listener.deny = [try CIDR(parsing: "10.1.0.0/16")]
    XCTAssertFalse(listener.admits(clientAddress: inside), "deny wins over allow")
    XCTAssertTrue(listener.admits(clientAddress: [10, 2, 0, 1]))
  }
}
