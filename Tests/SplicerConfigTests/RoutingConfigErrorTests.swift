import SplicerTestSupport
import XCTest

@testable import SplicerConfig

/// The errors of the routing keys (routes, allow/deny, accept_proxy, inspect, balance, queue,
/// server weights and kinds): each with its exact message, line, column and key.
final class RoutingConfigErrorTests: XCTestCase {
  typealias Case = ConfigErrorCase

  /// A valid config with routes, nineteen lines long, that the cases below break.
  static let valid = """
    listeners:
      - name: edge
        bind: 127.0.0.1:8443
        routes:
          - sni: ["api.example.com", "*.api.example.com"]
            pool: api
          - source: ["10.0.0.0/8", "fd00::/8"]
            pool: internal
        pool: web
    pools:
      api:
        servers:
          - address: 10.0.1.10:8443
      internal:
        servers:
          - address: "unix:/run/internal.sock"
      web:
        servers:
          - address: web.internal:8080
    """

  static let base = ConfigTemplate(valid)

  static let example = "(e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)"

  static let cases: [Case] = [
    // Pool references
    Case(
      name: "route names a missing pool", yaml: base.replacing(line: 6, with: "        pool: apj"), line: 6, column: 15,
      key: "listeners[0].routes[0].pool", message: "no pool named 'apj' (did you mean 'api'?)"),
    Case(
      name: "default pool is missing", yaml: base.replacing(line: 9, with: "    pool: www"), line: 9, column: 11,
      key: "listeners[0].pool", message: "no pool named 'www' (pools: api, internal, web)"),
    Case(
      name: "listener without pool or routes", yaml: base.replacing([4: "", 5: "", 6: "", 7: "", 8: "", 9: ""]),
      line: 2, column: 5, key: "listeners[0]",
      message: "listener 'edge' needs 'pool' (where its connections go), 'routes', or both"),

    // Routes
    Case(
      name: "empty routes", yaml: base.replacing([4: "    routes: []", 5: "", 6: "", 7: "", 8: ""]), line: 4,
      column: 13,
      key: "listeners[0].routes", message: "expected at least one route (or leave 'routes' out)"),
    Case(
      name: "route without a condition", yaml: base.replacing([5: "      - pool: api", 6: ""]), line: 5, column: 9,
      key: "listeners[0].routes[0]",
      message:
        "a route needs 'sni', 'source' or both; the pool for every other connection is the listener's 'pool'"),
    Case(
      name: "route without a pool", yaml: base.replacing(line: 6, with: ""), line: 5, column: 9,
      key: "listeners[0].routes[0].pool", message: "missing required key 'pool'"),
    Case(
      name: "misspelt route key", yaml: base.replacing(line: 6, with: "        pools: api"), line: 6, column: 9,
      key: "listeners[0].routes[0].pools", message: "unknown key 'pools' (did you mean 'pool'?)"),
    Case(
      name: "empty sni list", yaml: base.replacing(line: 5, with: "      - sni: []"), line: 5, column: 14,
      key: "listeners[0].routes[0].sni",
      message: "expected at least one server name, such as api.example.com or *.example.com"),
    Case(
      name: "empty source list", yaml: base.replacing(line: 7, with: "      - source: []"), line: 7, column: 17,
      key: "listeners[0].routes[1].source", message: "expected at least one network \(example)"),
    Case(
      name: "sni as a mapping", yaml: base.replacing(line: 5, with: "      - sni: { name: a.com }"), line: 5,
      column: 14,
      key: "listeners[0].routes[0].sni",
      message: "expected a server name or a sequence of server names, found a mapping"),
    Case(
      name: "source with host bits", yaml: base.replacing(line: 7, with: "      - source: [\"10.0.0.1/8\"]"), line: 7,
      column: 18, key: "listeners[0].routes[1].source[0]",
      message: "'10.0.0.1/8' has bits set past the /8 prefix; did you mean 10.0.0.0/8?"),
    Case(
      name: "wildcard inside a name", yaml: base.replacing(line: 5, with: "      - sni: [\"foo.*.com\"]"), line: 5,
      column: 15, key: "listeners[0].routes[0].sni[0]",
      message: "'foo.*.com': a wildcard must be the whole leftmost label, as in *.example.com"),
    Case(
      name: "wildcard alone", yaml: base.replacing(line: 5, with: "      - sni: \"*\""), line: 5, column: 14,
      key: "listeners[0].routes[0].sni",
      message: "'*' alone matches every name; route those with the listener's 'pool' instead"),
    Case(
      name: "server name with an underscore", yaml: base.replacing(line: 5, with: "      - sni: my_api.example.com"),
      line: 5, column: 14, key: "listeners[0].routes[0].sni",
      message:
        "bad server name 'my_api.example.com': 'my_api.example.com' contains '_'; host names take letters, digits, '-' and '.' (IDNs in xn-- form)"
    ),
    Case(
      name: "name routed twice", yaml: base.replacing(line: 7, with: "      - sni: \"API.example.com\""), line: 7,
      column: 14, key: "listeners[0].routes[1].sni", message: "'api.example.com' is already routed at line 5"),
    Case(
      name: "name routed twice for the same sources",
      yaml: base.replacing([
        5: "      - { sni: a.example.com, source: 10.0.0.0/8, pool: api }",
        6: "      - sni: [b.example.com, a.example.com]",
        7: "        source: [\"10.0.0.0/8\"]",
      ]),
      line: 6, column: 30, key: "listeners[0].routes[1].sni[1]",
      message: "'a.example.com' is already routed for the same sources at line 5"),

    // Listener admission
    Case(
      name: "bad allow", yaml: base.replacing(line: 9, with: "    pool: web\n    allow: example.com"), line: 10,
      column: 12,
      key: "listeners[0].allow",
      message: "host names cannot be used as networks ('example.com'); use addresses \(example)"),
    Case(
      name: "duplicate deny",
      yaml: base.replacing(line: 9, with: "    pool: web\n    deny: [\"203.0.113.0/24\", \"203.0.113.0/24\"]"),
      line: 10, column: 30, key: "listeners[0].deny[1]",
      message: "duplicate network 203.0.113.0/24 (first at line 10)"),
    Case(
      name: "listener max_connections zero",
      yaml: base.replacing(line: 9, with: "    pool: web\n    max_connections: 0"),
      line: 10, column: 22, key: "listeners[0].max_connections", message: "must be between 1 and 1000000, got 0"),
    Case(
      name: "accept_proxy not a boolean", yaml: base.replacing(line: 9, with: "    pool: web\n    accept_proxy: maybe"),
      line: 10, column: 19, key: "listeners[0].accept_proxy",
      message: "expected true, false or a mapping with 'trusted' and 'timeout', found a string ('maybe')"),
    Case(
      name: "accept_proxy bad trusted network",
      yaml: base.replacing(line: 9, with: "    pool: web\n    accept_proxy: { trusted: [\"10.0.0.0/33\"] }"),
      line: 10, column: 31, key: "listeners[0].accept_proxy.trusted[0]",
      message: "prefix length '33' in '10.0.0.0/33' is not between 0 and 32 (IPv4)"),
    Case(
      name: "accept_proxy misspelt key",
      yaml: base.replacing(line: 9, with: "    pool: web\n    accept_proxy: { trust: [] }"),
      line: 10, column: 21, key: "listeners[0].accept_proxy.trust",
      message: "unknown key 'trust' (did you mean 'trusted'?)"),
    Case(
      name: "inspect max_size too small",
      yaml: base.replacing(line: 9, with: "    pool: web\n    inspect: { max_size: 100 }"),
      line: 10, column: 26, key: "listeners[0].inspect.max_size", message: "must be between 512 and 64KiB, got 100"),
    Case(
      name: "inspect unknown on_failure",
      yaml: base.replacing(line: 9, with: "    pool: web\n    inspect: { on_failure: drop }"), line: 10, column: 28,
      key: "listeners[0].inspect.on_failure", message: "unknown value 'drop'; expected one of default, close"),
    Case(
      name: "unquoted wildcard", yaml: base.replacing(line: 5, with: "      - sni: *.api.example.com"), line: 5,
      column: 15,
      key: nil,
      message:
        "invalid YAML: did not find expected alphabetic or numeric character (while scanning an alias at line 5, column 14); YAML reads a leading * as an alias: quote wildcards, e.g. sni: \"*.example.com\""
    ),

    // Pools
    Case(
      name: "unknown balance", yaml: base.replacing(line: 12, with: "    balance: leastconn\n    servers:"), line: 12,
      column: 14, key: "pools.api.balance",
      message:
        "unknown value 'leastconn'; expected one of round_robin, least_connections, random_two, source_hash, first"),
    Case(
      name: "unknown send_proxy", yaml: base.replacing(line: 12, with: "    send_proxy: proxy\n    servers:"), line: 12,
      column: 17, key: "pools.api.send_proxy", message: "unknown value 'proxy'; expected one of v1, v2"),
    Case(
      name: "queue too large", yaml: base.replacing(line: 12, with: "    queue: { size: 2000000 }\n    servers:"),
      line: 12,
      column: 20, key: "pools.api.queue.size", message: "must be between 0 and 1000000, got 2000000"),
    Case(
      name: "resolve_interval too short",
      yaml: base.replacing(line: 12, with: "    resolve_interval: 500ms\n    servers:"),
      line: 12, column: 23, key: "pools.api.resolve_interval", message: "must be at least 1s, got 500ms"),
    Case(
      name: "health check port with unix servers",
      yaml: base.replacing(line: 15, with: "    health_check: { type: tcp, port: 9000 }\n    servers:"), line: 15,
      column: 38,
      key: "pools.internal.health_check.port",
      message:
        "'port' cannot apply to unix socket server unix:/run/internal.sock; leave it out to check each server where it listens"
    ),

    // Servers
    Case(
      name: "weight zero", yaml: base.replacing(line: 13, with: "      - { address: 10.0.1.10:8443, weight: 0 }"),
      line: 13,
      column: 44, key: "pools.api.servers[0].weight", message: "must be between 1 and 256, got 0"),
    Case(
      name: "weight too large",
      yaml: base.replacing(line: 13, with: "      - { address: 10.0.1.10:8443, weight: 257 }"),
      line: 13, column: 44, key: "pools.api.servers[0].weight", message: "must be between 1 and 256, got 257"),
    Case(
      name: "server max_connections zero",
      yaml: base.replacing(line: 13, with: "      - { address: 10.0.1.10:8443, max_connections: 0 }"), line: 13,
      column: 53,
      key: "pools.api.servers[0].max_connections", message: "must be between 1 and 1000000, got 0"),
    Case(
      name: "misspelt server key",
      yaml: base.replacing(line: 13, with: "      - { address: 10.0.1.10:8443, wieght: 2 }"),
      line: 13, column: 36, key: "pools.api.servers[0].wieght", message: "unknown key 'wieght' (did you mean 'weight'?)"
    ),
    Case(
      name: "backup not a boolean",
      yaml: base.replacing(line: 13, with: "      - { address: 10.0.1.10:8443, backup: 1 }"),
      line: 13, column: 44, key: "pools.api.servers[0].backup", message: "expected true or false, found an integer (1)"),
    Case(
      name: "only backup servers",
      yaml: base.replacing(line: 13, with: "      - { address: 10.0.1.10:8443, backup: true }"),
      line: 13, column: 7, key: "pools.api.servers",
      message: "pool 'api' needs at least one server that is not a backup"),
    Case(
      name: "duplicate host name server",
      yaml: base.replacing(line: 19, with: "      - address: web.internal:8080\n      - address: WEB.Internal:8080"),
      line: 20,
      column: 18, key: "pools.web.servers[1].address",
      message: "duplicate server address web.internal:8080 in pool 'web' (first at line 19)"),
    Case(
      name: "duplicate unix server",
      yaml: base.replacing(
        line: 16, with: "      - address: unix:/run/internal.sock\n      - address: \"unix:/run/internal.sock\""),
      line: 17, column: 18, key: "pools.internal.servers[1].address",
      message: "duplicate server address unix:/run/internal.sock in pool 'internal' (first at line 16)"),
    Case(
      name: "relative unix path", yaml: base.replacing(line: 16, with: "      - address: \"unix:run/internal.sock\""),
      line: 16,
      column: 18, key: "pools.internal.servers[0].address",
      message: "unix socket path 'run/internal.sock' must be absolute (start with /)"),
    Case(
      name: "bad host name", yaml: base.replacing(line: 19, with: "      - address: web_internal:8080"), line: 19,
      column: 18,
      key: "pools.web.servers[0].address",
      message:
        "bad host name in 'web_internal:8080': 'web_internal' contains '_'; host names take letters, digits, '-' and '.' (IDNs in xn-- form)"
    ),
  ]

  func testEveryCaseReportsExactLocationAndMessage() {
    ConfigErrorCase.assertEach(Self.cases, message: .whole)
  }

  func testCasesAreDistinctAndTheBaseIsValid() throws {
    ConfigErrorCase.assertDistinct(Self.cases)
    let config = try ConfigLoader.parse(yaml: Self.valid, file: "good.yaml")
    XCTAssertEqual(config.listeners[0].poolNames, ["api", "internal", "web"])
  }
}
