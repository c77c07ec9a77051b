import SplicerTestSupport
import XCTest

@testable import SplicerConfig

final class ConfigLoaderTests: XCTestCase {
  func testFullConfigParsesEveryKey() throws {
    let yaml = """
      workers: 4
      listeners:
        - name: web
          bind: 0.0.0.0:8080
          pool: app
          mode: copy
          backlog: 512
        - name: web6
          bind: "[0::1]:8443"
          pool: app
      pools:
        app:
          retries: 1
          servers:
            - address: 10.0.0.1:9000
            - address: "[fe80:0:0::1]:9000"
      timeouts: { connect: 250ms, idle: 1m30s, upgrade: 1m }
      tuning: { pipe_size: 64KiB, pipe_pool: 0, copy_buffer: 16384 }
      log: { level: debug, format: logfmt, access_log: false }
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "full.yaml")
    let expected = Configuration(
      workers: 4,
      listeners: [
        ListenerConfig(
          name: "web", bind: Endpoint(family: .ipv4, host: "0.0.0.0", port: 8080), pool: "app",
          mode: .copy, backlog: 512),
        ListenerConfig(
          name: "web6", bind: Endpoint(family: .ipv6, host: "::1", port: 8443), pool: "app"),
      ],
      pools: [
        PoolConfig(
          name: "app",
          servers: [
            ServerConfig(address: Endpoint(family: .ipv4, host: "10.0.0.1", port: 9000)),
            ServerConfig(address: Endpoint(family: .ipv6, host: "fe80::1", port: 9000)),
          ],
          retries: 1)
      ],
      timeouts: Timeouts(connect: .milliseconds(250), idle: .seconds(90), upgrade: .seconds(60)),
      tuning: Tuning(pipeSize: 64 << 10, pipePoolSize: 0, copyBufferSize: 16384),
      log: LogConfig(level: .debug, format: .logfmt, accessLog: false))
    XCTAssertEqual(config, expected)
    XCTAssertEqual(config.pool(named: "app")?.servers.count, 2)
    XCTAssertEqual(config.listeners[1].bind.description, "[::1]:8443")
  }

  func testMinimalConfigGetsDefaults() throws {
    let config = try ConfigLoader.parse(yaml: ConfigTemplate.minimal.text, file: "min.yaml")
    XCTAssertEqual(config.workers, ConfigLoader.defaultWorkers)
    XCTAssertEqual(
      config.listeners,
      [
        ListenerConfig(
          name: "web", bind: Endpoint(family: .ipv4, host: "127.0.0.1", port: 8080), pool: "app",
          mode: .splice, backlog: 1024)
      ])
    XCTAssertEqual(config.pools.map(\.retries), [0], "one server leaves nothing to retry")
    XCTAssertEqual(config.timeouts, Timeouts(connect: .seconds(5), idle: .seconds(600)))
    XCTAssertEqual(config.timeouts.upgrade, .seconds(30))
    XCTAssertEqual(config.tuning, Tuning(pipeSize: 1 << 20, pipePoolSize: 64, copyBufferSize: 64 << 10))
    XCTAssertEqual(config.log, LogConfig(level: .info, format: .json, accessLog: true))
  }

  func testDefaultRetriesIsServersMinusOneCappedAtThree() throws {
    let cases: [(servers: Int, retries: Int)] = [(1, 0), (2, 1), (4, 3), (6, 3)]
    for (count, retries) in cases {
      let servers = (1...count).map { "      - address: 127.0.0.1:\(9000 + $0)" }.joined(separator: "\n")
      let yaml = """
        listeners:
          - { name: web, bind: 127.0.0.1:0, pool: app }
        pools:
          app:
            servers:
        \(servers)
        """
      let config = try ConfigLoader.parse(yaml: yaml, file: "retries.yaml")
      XCTAssertEqual(config.pools[0].retries, retries, "\(count) servers")
    }
  }

  func testEmptyOptionalSectionsMeanDefaults() throws {
    let yaml = """
      listeners:
        - { name: web, bind: 127.0.0.1:8080, pool: app }
      pools:
        app:
          servers: [{ address: 127.0.0.1:9000 }]
      timeouts:
      tuning:
        # pipe_size: 64KiB
      log:
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "empty.yaml")
    XCTAssertEqual(config.timeouts, Timeouts())
    XCTAssertEqual(config.tuning, Tuning())
    XCTAssertEqual(config.log, LogConfig())
  }

  func testEphemeralBindsMayRepeatAndPoolsKeepFileOrder() throws {
    let yaml = """
      listeners:
        - { name: a, bind: 127.0.0.1:0, pool: zeta }
        - { name: b, bind: 127.0.0.1:0, pool: alpha }
      pools:
        zeta: { servers: [{ address: 127.0.0.1:9000 }] }
        alpha: { servers: [{ address: 127.0.0.1:9000 }] }
      """
    let config = try ConfigLoader.parse(yaml: yaml, file: "order.yaml")
    XCTAssertEqual(config.listeners.map(\.bind.port), [0, 0])
    XCTAssertEqual(config.pools.map(\.name), ["zeta", "alpha"])
  }

  func testDefaultWorkersIsOnlineCores() {
    let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    XCTAssertEqual(ConfigLoader.defaultWorkers, min(max(cores, 1), 256))
  }
}
