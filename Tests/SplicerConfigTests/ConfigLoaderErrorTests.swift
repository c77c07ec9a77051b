import SplicerTestSupport
import XCTest

@testable import SplicerConfig

/// Every user error is a `ConfigError` at the right line and key; the message says what to fix.
final class ConfigLoaderErrorTests: XCTestCase {
  typealias Case = ConfigErrorCase

  /// A valid config, eight lines long, that the cases below break one line at a time.
  static let base = ConfigTemplate.minimal
  static let valid = base.text

  static let cases: [Case] = [
    // Document shape
    Case(name: "empty file", yaml: "", line: 1, key: nil, message: "the config is empty"),
    Case(name: "only comments", yaml: "# nothing yet\n", line: 1, key: nil, message: "the config is empty"),
    Case(
      name: "top level sequence", yaml: "- a\n- b\n", line: 1, key: nil,
      message: "top level must be a mapping"),
    Case(name: "top level scalar", yaml: "hello\n", line: 1, key: nil, message: "found a string ('hello')"),
    Case(
      name: "two documents", yaml: valid + "\n---\nworkers: 2\n", line: 9, key: nil,
      message: "invalid YAML: expected a single document in the stream, but found another document"),

    // YAML syntax
    Case(
      name: "unclosed flow sequence", yaml: "workers: 2\nlisteners: [a, b\npools: {}\n", line: 3, key: nil,
      message: "invalid YAML"),
    Case(
      name: "bad indentation", yaml: base.replacing(line: 3, with: "   bind: 127.0.0.1:8080"), line: 3, key: nil,
      message: "invalid YAML"),
    Case(
      name: "tab indentation", yaml: base.replacing(line: 3, with: "\tbind: 127.0.0.1:8080"), line: 3, key: nil,
      message: "invalid YAML"),
    Case(
      name: "unquoted IPv6 address", yaml: base.replacing(line: 3, with: "    bind: [::1]:8080"), line: 3,
      key: nil, message: "IPv6 addresses must be quoted in YAML"),
    Case(
      name: "control character", yaml: "workers: 2\nlisteners: \u{7}\n", line: 2, key: nil,
      message: "control characters are not allowed"),
    Case(
      name: "undefined alias", yaml: base.replacing(line: 4, with: "    pool: *app"), line: 4, key: nil,
      message: "undefined alias"),

    // Unknown keys
    Case(
      name: "unknown top-level key", yaml: base.appending("listner: {}"), line: 9, key: "listner",
      message: "unknown key 'listner' (did you mean 'listeners'?)"),
    Case(
      name: "misspelt server key", yaml: base.replacing(line: 8, with: "      - adress: 127.0.0.1:9000"), line: 8,
      key: "pools.app.servers[0].adress", message: "unknown key 'adress' (did you mean 'address'?)"),
    Case(
      name: "unknown listener key without a near match",
      yaml: base.replacing(line: 4, with: "    pool: app\n    colour: red"), line: 5, key: "listeners[0].colour",
      message: "expected one of: name, bind, pool, routes, mode, backlog, allow"),
    Case(
      name: "misspelt tuning key", yaml: base.appending("tuning:\n  piep_size: 64KiB"), line: 10,
      key: "tuning.piep_size", message: "did you mean 'pipe_size'?"),
    Case(
      name: "wrong-case pool key", yaml: base.replacing(line: 7, with: "    Servers:"), line: 7,
      key: "pools.app.Servers", message: "did you mean 'servers'?"),

    // Missing keys point at the mapping that lacks them
    Case(
      name: "missing listeners", yaml: "pools:\n  app:\n    servers: [{ address: 127.0.0.1:9000 }]\n",
      line: 1, key: "listeners", message: "missing required key 'listeners'"),
    Case(
      name: "missing pools", yaml: "workers: 1\nlisteners:\n  - { name: web, bind: 127.0.0.1:1, pool: a }\n",
      line: 1, key: "pools", message: "missing required key 'pools'"),
    Case(
      name: "missing bind", yaml: base.replacing(line: 3, with: ""), line: 2, key: "listeners[0].bind",
      message: "missing required key 'bind'"),
    Case(
      name: "missing name", yaml: "listeners:\n  - bind: 127.0.0.1:8080\n    pool: app\n" + base.lines(5...8),
      line: 2, key: "listeners[0].name", message: "missing required key 'name'"),
    Case(
      name: "missing servers", yaml: base.lines(1...6) + "\n    retries: 1",
      line: 7, key: "pools.app.servers", message: "missing required key 'servers'"),
    Case(
      name: "missing address", yaml: base.replacing(line: 8, with: "      - {}"), line: 8,
      key: "pools.app.servers[0].address", message: "missing required key 'address'"),

    // Wrong types
    Case(
      name: "mapping where a string is expected", yaml: base.replacing(line: 2, with: "  - name: { a: 1 }"),
      line: 2, key: "listeners[0].name", message: "expected a string, found a mapping"),
    Case(
      name: "empty name", yaml: base.replacing(line: 2, with: "  - name:"), line: 2, key: "listeners[0].name",
      message: "expected a string, found an empty value"),
    Case(
      name: "listeners as a mapping", yaml: "listeners:\n  web:\n    pool: app\n" + base.lines(5...8),
      line: 2, key: "listeners", message: "expected a sequence of listeners, found a mapping"),
    Case(
      name: "listener as a scalar", yaml: "listeners:\n  - web\npools: {}\n", line: 2, key: "listeners[0]",
      message: "expected a mapping (with keys like name, bind, pool), found a string ('web')"),
    Case(
      name: "no listeners", yaml: "listeners: []\n" + base.lines(5...8), line: 1, key: "listeners",
      message: "expected at least one listener"),
    Case(
      name: "no pools", yaml: base.lines(1...4) + "\npools: {}",
      line: 5, key: "pools", message: "expected at least one pool"),
    Case(
      name: "no servers", yaml: base.lines(1...6) + "\n    servers: []",
      line: 7, key: "pools.app.servers", message: "expected at least one server"),
    Case(
      name: "timeouts as a scalar", yaml: base.appending("timeouts: 5s"), line: 9, key: "timeouts",
      message: "expected a mapping"),
    Case(
      name: "quoted integer", yaml: base.appending("workers: \"2\""), line: 9, key: "workers",
      message: "expected an integer between 1 and 256, found a string ('2')"),
    Case(
      name: "fractional integer", yaml: base.appending("workers: 2.5"), line: 9, key: "workers",
      message: "found a number (2.5)"),
    Case(
      name: "hex integer", yaml: base.appending("workers: 0x10"), line: 9, key: "workers",
      message: "expected an integer"),
    Case(
      name: "not a boolean", yaml: base.appending("log:\n  access_log: maybe"), line: 10, key: "log.access_log",
      message: "expected true or false, found a string ('maybe')"),

    // References and duplicates
    Case(
      name: "listener names a missing pool", yaml: base.replacing(line: 4, with: "    pool: ap"), line: 4,
      key: "listeners[0].pool", message: "no pool named 'ap' (did you mean 'app'?)"),
    Case(
      name: "listener names an unrelated pool", yaml: base.replacing(line: 4, with: "    pool: database"), line: 4,
      key: "listeners[0].pool", message: "no pool named 'database' (pools: app)"),
    Case(
      name: "duplicate listener names",
      yaml: base.replacing(line: 4, with: "    pool: app\n  - name: web\n    bind: 127.0.0.1:8081\n    pool: app"),
      line: 5, key: "listeners[1].name", message: "duplicate listener name 'web' (first used at line 2)"),
    Case(
      name: "duplicate pool names",
      yaml: base.appending("  app:\n    servers: [{ address: 127.0.0.1:9001 }]"), line: 9, key: "pools.app",
      message: "duplicate pool 'app' (first defined at line 6)"),
    Case(
      name: "duplicate key in a listener",
      yaml: base.replacing(line: 4, with: "    pool: app\n    bind: 127.0.0.1:1"),
      line: 5, key: "listeners[0].bind", message: "duplicate key 'bind' (first defined at line 3)"),
    Case(
      name: "duplicate bind addresses",
      yaml: base.replacing(
        line: 4, with: "    pool: app\n  - name: web2\n    bind: 127.0.0.1:8080\n    pool: app"),
      line: 6, key: "listeners[1].bind",
      message: "duplicate bind address 127.0.0.1:8080 (also used by listener 'web' at line 3)"),
    Case(
      name: "duplicate IPv6 binds spelt differently",
      yaml: """
        listeners:
          - { name: a, bind: "[::1]:80", pool: app }
          - { name: b, bind: "[0:0::1]:80", pool: app }
        """ + "\n" + base.lines(5...8),
      line: 3, key: "listeners[1].bind", message: "duplicate bind address [::1]:80 (also used by listener 'a'"
    ),
    Case(
      name: "duplicate server addresses",
      yaml: base.appending("      - address: 127.0.0.1:9001\n      - address: 127.0.0.1:9000"), line: 10,
      key: "pools.app.servers[2].address",
      message: "duplicate server address 127.0.0.1:9000 in pool 'app' (first at line 8)"),

    // Names
    Case(
      name: "listener name with a space", yaml: base.replacing(line: 2, with: "  - name: my web"), line: 2,
      key: "listeners[0].name", message: "may only contain letters, digits"),
    Case(
      name: "pool name with a slash", yaml: base.replacing(line: 6, with: "  app/v2:"), line: 6,
      key: "pools.app/v2",
      message: "pool name 'app/v2' may only contain"),

    // Addresses
    Case(
      name: "bind without port", yaml: base.replacing(line: 3, with: "    bind: 127.0.0.1"), line: 3,
      key: "listeners[0].bind", message: "missing port"),
    Case(
      name: "bind port out of range", yaml: base.replacing(line: 3, with: "    bind: 127.0.0.1:70000"), line: 3,
      key: "listeners[0].bind", message: "port 70000 is out of range (0-65535)"),
    Case(
      name: "server port zero", yaml: base.replacing(line: 8, with: "      - address: 127.0.0.1:0"), line: 8,
      key: "pools.app.servers[0].address", message: "port 0 is out of range (1-65535)"),
    Case(
      name: "host name bind", yaml: base.replacing(line: 3, with: "    bind: localhost:8080"), line: 3,
      key: "listeners[0].bind", message: "listeners bind numeric addresses, not host names ('localhost')"),
    Case(
      name: "IPv6 without brackets", yaml: base.replacing(line: 3, with: "    bind: ::1:8080"), line: 3,
      key: "listeners[0].bind", message: "IPv6 addresses must be in brackets"),
    Case(
      name: "bad IPv4", yaml: base.replacing(line: 3, with: "    bind: 300.1.1.1:80"), line: 3,
      key: "listeners[0].bind", message: "'300.1.1.1' is not a valid IPv4 address"),

    // Durations, sizes, numbers, choices
    Case(
      name: "duration without unit", yaml: base.appending("timeouts:\n  connect: 5"), line: 10,
      key: "timeouts.connect", message: "missing unit in '5'"),
    Case(
      name: "zero duration", yaml: base.appending("timeouts: { idle: 0 }"), line: 9, key: "timeouts.idle",
      message: "must be greater than 0"),
    Case(
      name: "unknown duration unit", yaml: base.appending("timeouts:\n  connect: 5x"), line: 10,
      key: "timeouts.connect", message: "unknown unit 'x'"),
    Case(
      name: "upgrade timeout without unit", yaml: base.appending("timeouts:\n  upgrade: 30"), line: 10,
      key: "timeouts.upgrade", message: "missing unit in '30'"),
    Case(
      name: "workers zero", yaml: base.appending("workers: 0"), line: 9, key: "workers",
      message: "must be between 1 and 256, got 0"),
    Case(
      name: "workers too many", yaml: base.appending("workers: 300"), line: 9, key: "workers",
      message: "must be between 1 and 256, got 300"),
    Case(
      name: "backlog too large", yaml: base.replacing(line: 4, with: "    pool: app\n    backlog: 70000"), line: 5,
      key: "listeners[0].backlog", message: "must be between 1 and 65535"),
    Case(
      name: "retries too many", yaml: base.replacing(line: 7, with: "    retries: 17\n    servers:"), line: 7,
      key: "pools.app.retries", message: "must be between 0 and 16, got 17"),
    Case(
      name: "pipe size too large", yaml: base.appending("tuning: { pipe_size: 2MiB }"), line: 9,
      key: "tuning.pipe_size", message: "must be between 4KiB and 1MiB, got 2MiB"),
    Case(
      name: "copy buffer too small", yaml: base.appending("tuning:\n  copy_buffer: 1KiB"), line: 10,
      key: "tuning.copy_buffer", message: "must be between 4KiB and 16MiB, got 1KiB"),
    Case(
      name: "pipe pool too large", yaml: base.appending("tuning:\n  pipe_pool: 5000"), line: 10,
      key: "tuning.pipe_pool", message: "must be between 0 and 4096"),
    Case(
      name: "decimal size unit", yaml: base.appending("tuning:\n  pipe_size: 64KB"), line: 10,
      key: "tuning.pipe_size", message: "unknown size unit 'KB'"),
    Case(
      name: "unknown relay mode", yaml: base.replacing(line: 4, with: "    pool: app\n    mode: spliced"), line: 5,
      key: "listeners[0].mode", message: "unknown value 'spliced'; expected one of splice, copy (did you mean"
    ),
    Case(
      name: "unknown log level", yaml: base.appending("log:\n  level: verbose"), line: 10, key: "log.level",
      message: "unknown value 'verbose'; expected one of trace, debug, info"),
  ]

  func testEveryCaseReportsLineKeyAndMessage() {
    ConfigErrorCase.assertEach(Self.cases, message: .part)
  }

  func testCasesAreDistinct() {
    ConfigErrorCase.assertDistinct(Self.cases)
    XCTAssertNoThrow(try ConfigLoader.parse(yaml: Self.valid, file: "good.yaml"))
  }
}
