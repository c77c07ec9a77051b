import SplicerConfig
import XCTest

@testable import SplicerCore

/// The capacity plan's arithmetic, on configs and machine limits written out by hand.
final class CapacityPlanTests: XCTestCase {
  private static let roomy = MachineLimits(
    openFiles: 1_000_000, openFilesHard: 1_000_000, pipeUserPagesSoft: 0, pipeUserPagesHard: 0,
    pipeMaxSize: 1 << 20, somaxconn: 65_535, localPorts: 1024...65_535)

  private static func config(
    workers: Int = 1, listeners: [String], pool: String = "servers: [{ address: \"127.0.0.1:9000\" }]",
    tuning: String = "{ pipe_pool: 0 }"
  ) throws -> Configuration {
    try ConfigLoader.parse(
      yaml: """
        workers: \(workers)
        listeners: [\(listeners.joined(separator: ", "))]
        pools: { app: { \(pool) } }
        tuning: \(tuning)
        """)
  }

  private struct DescriptorCase {
    let label: String
    let workers: Int
    let listeners: [String]
    let tuning: String
    let connections: Int?
    /// Descriptors needed with `connections` open (nil when unbounded).
    let needed: Int?
  }

  func testDescriptorsAtTheLimits() throws {
    // Fixed: 24 for the process, per worker 2 + one listening socket per listener.
    let cases = [
      DescriptorCase(
        label: "splice: 2 sockets and 2 pipes per connection", workers: 1,
        listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 100 }"#], tuning: "{ pipe_pool: 0 }",
        connections: 100, needed: 24 + 3 + 100 * 6),
      DescriptorCase(
        label: "copy: 2 sockets per connection", workers: 1,
        listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app, mode: copy, max_connections: 100 }"#],
        tuning: "{ pipe_pool: 0 }", connections: 100, needed: 24 + 3 + 100 * 2),
      DescriptorCase(
        label: "max_pipes caps the pipes in flight, per worker", workers: 2,
        listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 100 }"#],
        tuning: "{ pipe_pool: 0, max_pipes: 10 }", connections: 100, needed: 24 + 2 * 3 + 200 + 2 * 20),
      DescriptorCase(
        label: "pooled pipes count for every worker", workers: 2,
        listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 10 }"#],
        tuning: "{ pipe_pool: 8 }", connections: 10, needed: 24 + 2 * 3 + 10 * 6 + 2 * 16),
      DescriptorCase(
        label: "two listeners add up; each is bound by every worker", workers: 2,
        listeners: [
          #"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 10 }"#,
          #"{ name: b, bind: "127.0.0.1:2", pool: app, mode: copy, max_connections: 5 }"#,
        ], tuning: "{ pipe_pool: 0 }", connections: 15, needed: 24 + 2 * 4 + 15 * 2 + 10 * 4),
      DescriptorCase(
        label: "a listener without max_connections leaves it unbounded", workers: 1,
        listeners: [
          #"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 10 }"#,
          #"{ name: b, bind: "127.0.0.1:2", pool: app }"#,
        ], tuning: "{ pipe_pool: 0 }", connections: nil, needed: nil),
    ]
    for test in cases {
      let plan = CapacityPlan(
        configuration: try Self.config(workers: test.workers, listeners: test.listeners, tuning: test.tuning),
        limits: Self.roomy)
      XCTAssertEqual(plan.connections, test.connections, test.label)
      if let connections = plan.connections, let splice = plan.spliceConnections {
        XCTAssertEqual(plan.descriptors(connections: connections, spliceConnections: splice), test.needed, test.label)
      }
      XCTAssertEqual(
        plan.findings.filter { $0.severity == .warning }, [], test.label + ": nothing short on a roomy machine")
      // Without a bound, the plan says where the machine's limit puts it.
      XCTAssertEqual(plan.findings.map(\.resource), test.connections == nil ? [.descriptors] : [], test.label)
    }
  }

  /// A mirrored connection holds a socket to its shadow and one pipe more; a worker that
  /// mirrors keeps a sink pipe and /dev/null open.
  func testMirroredConnectionsCountTheirShadowSocketAndPipe() throws {
    let configuration = try ConfigLoader.parse(
      yaml: """
        workers: 1
        listeners:
          - { name: a, bind: "127.0.0.1:1", pool: app, max_connections: 100, mirror: { pool: shadow, sample: 50% } }
        pools:
          app: { servers: [{ address: "127.0.0.1:9000" }] }
          shadow: { servers: [{ address: "127.0.0.1:9001" }] }
        tuning: { pipe_pool: 0 }
        """)
    let plan = CapacityPlan(configuration: configuration, limits: Self.roomy)
    XCTAssertEqual(plan.mirroredConnections, 50)
    XCTAssertEqual(plan.fixedDescriptors, 24 + 2 + 1 + 3)
    // 100 connections: 200 sockets, 200 pipes; 50 mirrors: 50 sockets, 50 pipes.
    XCTAssertEqual(plan.descriptors(connections: 100, spliceConnections: 100), 30 + 200 + 50 + 2 * 250)
  }

  func testConnectionsWithinADescriptorLimit() throws {
    let splice = CapacityPlan(
      configuration: try Self.config(listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app }"#]), limits: Self.roomy)
    // 1024 - 27 fixed = 997 spare, 6 per connection.
    XCTAssertEqual(splice.connectionsWithin(openFiles: 1024), 166)
    XCTAssertEqual(splice.connectionsWithin(openFiles: 20), 0)
    let capped = CapacityPlan(
      configuration: try Self.config(
        listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app }"#], tuning: "{ pipe_pool: 0, max_pipes: 100 }"),
      limits: Self.roomy)
    // The first 50 connections take 6 each (the 100 pipes), the rest 2: 50 + (997 - 300) / 2.
    XCTAssertEqual(capped.connectionsWithin(openFiles: 1024), 50 + 348)
    let copy = CapacityPlan(
      configuration: try Self.config(listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app, mode: copy }"#]),
      limits: Self.roomy)
    XCTAssertEqual(copy.connectionsWithin(openFiles: 1024), 498)
  }

  func testMirroredConnectionsCostASocketAndAPipeMore() throws {
    let cases: [(mirror: String, tuning: String, expected: Int, line: UInt)] = [
      // 1024 - 27 fixed - 3 for the worker's sink = 994 spare: 9 per connection.
      ("mirror: { pool: app }", "{ pipe_pool: 0 }", 110, #line),
      // A 10 % sample: 6.3 per connection.
      ("mirror: { pool: app, sample: 10 }", "{ pipe_pool: 0 }", 157, #line),
      // 100 pipes: 33 connections hold 99 of them (3 each) and 297 descriptors (9 each), the
      // rest 2 each: 33 + (994 - 297) / 2.
      ("mirror: { pool: app }", "{ pipe_pool: 0, max_pipes: 100 }", 33 + 348, #line),
    ]
    for (mirror, tuning, expected, line) in cases {
      let plan = CapacityPlan(
        configuration: try Self.config(
          listeners: ["{ name: a, bind: \"127.0.0.1:1\", pool: app, \(mirror) }"], tuning: tuning),
        limits: Self.roomy)
      XCTAssertEqual(plan.connectionsWithin(openFiles: 1024), expected, mirror, line: line)
    }
  }

  private struct FindingCase {
    let label: String
    let listeners: [String]
    let pool: String
    let tuning: String
    let limits: MachineLimits
    /// Each finding's severity and resource, and a part of its message (the setting to change).
    let expected: [(CapacityFinding.Severity, CapacityFinding.Resource, String)]
  }

  func testFindingsNameTheSettingToChange() throws {
    var few = Self.roomy
    few.openFiles = 1024
    few.openFilesHard = 4096
    var smallPipes = Self.roomy
    smallPipes.pipeUserPagesSoft = 16_384
    smallPipes.pipeUserPagesHard = 32_768
    smallPipes.pipeMaxSize = 65_536
    var fewPipePages = Self.roomy
    fewPipePages.pipeUserPagesSoft = 4096
    var shallow = Self.roomy
    shallow.somaxconn = 128
    var narrowPorts = Self.roomy
    narrowPorts.localPorts = 40_000...40_999
    let server = "servers: [{ address: \"127.0.0.1:9000\" }]"
    let limited = #"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 2000 }"#
    let cases = [
      FindingCase(
        label: "descriptors short", listeners: [limited], pool: server, tuning: "{ pipe_pool: 0 }", limits: few,
        expected: [
          (
            .warning, .descriptors,
            "need up to 12027 descriptors; RLIMIT_NOFILE is 1024 (above the hard limit 4096 too)"
          )
        ]),
      FindingCase(
        label: "no limit: where the descriptors end", listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app }"#],
        // 997 spare: 2 connections hold the 4 pipes (12), the rest take 2 each: 2 + 985 / 2.
        pool: server, tuning: "{ pipe_pool: 0, max_pipes: 4 }", limits: few,
        expected: [
          (.note, .descriptors, "listener a has no max_connections: with RLIMIT_NOFILE 1024 the proxy holds about 494")
        ]),
      FindingCase(
        label: "pipes over the soft and hard page limits and fs.pipe-max-size", listeners: [limited], pool: server,
        tuning: "{ pipe_pool: 0 }", limits: smallPipes,
        expected: [
          (.warning, .pipes, "set sysctl fs.pipe-max-size=1048576"),
          (.warning, .pipes, "4000 pipes of 1048576 bytes need 1024000 pages; fs.pipe-user-pages-soft is 16384"),
          (.warning, .pipes, "set sysctl fs.pipe-user-pages-hard=1024000"),
        ]),
      FindingCase(
        label: "a pipe size rounds up to a power of two pages", listeners: [limited], pool: server,
        tuning: "{ pipe_pool: 0, pipe_size: 12KiB, max_pipes: 2000 }", limits: fewPipePages,
        expected: [(.warning, .pipes, "up to 2000 pipes of 16384 bytes need 8000 pages")]),
      FindingCase(
        label: "backlog over somaxconn",
        listeners: [#"{ name: a, bind: "127.0.0.1:1", pool: app, max_connections: 10, backlog: 512 }"#], pool: server,
        tuning: "{ pipe_pool: 0 }", limits: shallow,
        expected: [(.warning, .backlog, "listener a: backlog 512 is capped at net.core.somaxconn 128")]),
      FindingCase(
        label: "more connections to one server than local ports", listeners: [limited], pool: server,
        tuning: "{ pipe_pool: 0 }", limits: narrowPorts,
        expected: [(.warning, .localPorts, "server 127.0.0.1:9000: up to 2000 connections")]),
      FindingCase(
        label: "a server's own max_connections bounds it below the ports", listeners: [limited],
        pool: "servers: [{ address: \"127.0.0.1:9000\", max_connections: 900 }, { address: \"unix:/run/app.sock\" }]",
        tuning: "{ pipe_pool: 0 }", limits: narrowPorts, expected: []),
    ]
    for test in cases {
      let findings = CapacityPlan(
        configuration: try Self.config(listeners: test.listeners, pool: test.pool, tuning: test.tuning),
        limits: test.limits
      ).findings
      XCTAssertEqual(findings.count, test.expected.count, "\(test.label): \(findings)")
      for (finding, expected) in zip(findings, test.expected) {
        XCTAssertEqual(finding.severity, expected.0, test.label)
        XCTAssertEqual(finding.resource, expected.1, test.label)
        XCTAssertTrue(finding.message.contains(expected.2), "\(test.label): \(finding.message)")
      }
    }
  }
}
