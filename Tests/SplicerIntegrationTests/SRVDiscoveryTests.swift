import Foundation
import Glibc
import XCTest

/// A pool whose servers come from SRV records of a real DNS server (dnsmasq): connections
/// spread by the records' weights; a removed record's server gets no new connection while
/// its open one finishes byte-exact; an added record's server gets connections, a re-weighted
/// one its new share, and one moved to a higher priority number none while the active one is
/// up; with the DNS server gone the last good set keeps serving and the failures are counted.
final class SRVDiscoveryTests: RelayTestCase {
  private let applied = "\"message\":\"discovered servers applied\""

  private func yaml(nameserver: UInt16) -> String {
    """
    workers: 1
    listeners: [{ name: test, bind: 127.0.0.1:0, pool: app }]
    pools:
      app:
        discover: { srv: "\(Dnsmasq.name)", nameserver: "127.0.0.1:\(nameserver)", interval: 1s }
    log: { level: info, format: json, access_log: true }
    admin: { bind: 127.0.0.1:0 }
    """
  }

  private func failures(_ relay: SplicerProcess) -> Double {
    let body = (try? HTTPGet.get(port: relay.port("admin"), path: "/metrics").body) ?? ""
    return body.split(separator: "\n").filter { $0.hasPrefix("splicer_discovery_failures_total{pool=\"app\"") }
      .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
  }

  /// Waits for the next `discovered servers applied` line after `count` of them.
  private func waitForApplied(_ relay: SplicerProcess, after count: Int) -> Bool {
    waitUntil(30) { relay.lineCount(containing: self.applied) > count } != nil
  }

  private func specs(_ seeds: ClosedRange<Int>, request: Int = 10_000, response: Int = 20_000) -> [TransferSpec] {
    seeds.map { TransferSpec(requestLength: request, responseLength: response, seed: UInt64($0)) }
  }

  /// Runs `specs` one at a time, each checked byte-exact against whichever backend got it.
  private func transferEach(_ specs: [TransferSpec], port: UInt16, backends: [TestBackend]) throws {
    for spec in specs {
      let clients = try connectClients([spec], port: port)
      XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 60))
      let backend = waitFor(30) { backends.first { $0.result(seed: spec.seed, timeoutSeconds: 0) != nil } }
      guard let backend else { return XCTFail("no backend finished seed \(spec.seed)") }
      assertResults([spec], clients, backend: backend)
    }
  }

  func testServersFollowTheRecords() throws {
    guard Dnsmasq.executable != nil else { throw XCTSkip("dnsmasq is not installed") }
    let heavy = try TestBackend()
    defer { heavy.stop() }
    let light = try TestBackend()
    defer { light.stop() }
    let added = try TestBackend()
    defer { added.stop() }
    func record(_ backend: TestBackend, weight: UInt16, priority: UInt16 = 10) -> Dnsmasq.Record {
      Dnsmasq.Record(target: "127.0.0.1", port: backend.port, priority: priority, weight: weight)
    }
    let dns = try Dnsmasq(records: [record(heavy, weight: 3), record(light, weight: 1)])
    defer { dns.stop() }
    let relay = try SplicerProcess(yaml: yaml(nameserver: dns.port))
    defer { relay.stop() }
    // Runs before the relay's stop, however the test ends: see `Dnsmasq`.
    defer { dns.stop() }
    XCTAssertNotNil(relay.waitForLine(containing: "servers discovered"))

    // Weights 3 and 1: two rounds of smooth weighted round robin give 6 and 2.
    try transferEach(specs(1...8), port: relay.port(), backends: [heavy, light])
    XCTAssertEqual(heavy.accepted, 6)
    XCTAssertEqual(light.accepted, 2)

    // One more round, held open: one connection on the light server.
    let open = specs(11...14, request: 1_500_000, response: 2_500_000)
    let clients = try connectClients(open, port: relay.port())
    XCTAssertNotNil(waitUntil(30) { heavy.accepted == 9 && light.accepted == 3 })

    // Its record removed: no new connection reaches it.
    var appliedLines = relay.lineCount(containing: applied)
    try dns.restart(records: [record(heavy, weight: 3)])
    XCTAssertTrue(waitForApplied(relay, after: appliedLines), relay.allLines().suffix(20).joined(separator: "\n"))
    try transferEach(specs(21...24), port: relay.port(), backends: [heavy, light])
    XCTAssertEqual(light.accepted, 3, "a removed server got a new connection")
    XCTAssertEqual(heavy.accepted, 13)

    // The open connections, the removed server's one included, finish byte-exact.
    XCTAssertTrue(PollDriver.run(clients, timeoutSeconds: 60), "open connections did not finish")
    func finished(_ backend: TestBackend, _ spec: TransferSpec) -> Bool {
      backend.result(seed: spec.seed, timeoutSeconds: 0) != nil
    }
    XCTAssertNotNil(waitUntil(30) { open.allSatisfy { finished(heavy, $0) || finished(light, $0) } })
    for (spec, client) in zip(open, clients) {
      assertResults([spec], [client], backend: finished(light, spec) ? light : heavy)
    }
    XCTAssertEqual(open.filter { finished(light, $0) }.count, 1)

    // A record added: its server gets connections (weights 3 and 1 again: one in four).
    appliedLines = relay.lineCount(containing: applied)
    try dns.restart(records: [record(heavy, weight: 3), record(added, weight: 1)])
    XCTAssertTrue(waitForApplied(relay, after: appliedLines))
    try transferEach(specs(31...34), port: relay.port(), backends: [heavy, added])
    XCTAssertEqual(added.accepted, 1)
    XCTAssertEqual(heavy.accepted, 16)

    // Re-weighted, 1 and 3: the added server now gets three in four.
    appliedLines = relay.lineCount(containing: applied)
    try dns.restart(records: [record(heavy, weight: 1), record(added, weight: 3)])
    XCTAssertTrue(waitForApplied(relay, after: appliedLines))
    try transferEach(specs(51...54), port: relay.port(), backends: [heavy, added])
    XCTAssertEqual(added.accepted, 4)
    XCTAssertEqual(heavy.accepted, 17)

    // The added server's record moved to a higher priority number: a backup, so no new
    // connection reaches it while the other is up.
    appliedLines = relay.lineCount(containing: applied)
    try dns.restart(records: [record(heavy, weight: 1), record(added, weight: 3, priority: 20)])
    XCTAssertTrue(waitForApplied(relay, after: appliedLines))
    try transferEach(specs(61...64), port: relay.port(), backends: [heavy, added])
    XCTAssertEqual(added.accepted, 4, "a backup got a connection while the active server was up")
    XCTAssertEqual(heavy.accepted, 21)

    // The DNS server gone: failures are counted and the last good set keeps serving.
    let failedBefore = failures(relay)
    dns.stop()
    XCTAssertNotNil(waitUntil(60) { self.failures(relay) > failedBefore })
    XCTAssertNotNil(relay.waitForLine(containing: "server discovery failed", and: "\"keeping\":\"2 servers\""))
    try transferEach(specs(41...44), port: relay.port(), backends: [heavy, added])
    XCTAssertEqual(heavy.accepted, 25, "the last good set: the active server")
    XCTAssertEqual(added.accepted, 4)
    XCTAssertEqual(light.accepted, 3)
  }

  func testAPoolWithoutAnAnswerYetGetsItsServersWhenRecordsAppearAndAReloadKeepsThem() throws {
    guard Dnsmasq.executable != nil else { throw XCTSkip("dnsmasq is not installed") }
    let backend = try TestBackend()
    defer { backend.stop() }
    let dns = try Dnsmasq(records: [])
    defer { dns.stop() }
    let relay = try SplicerProcess(yaml: yaml(nameserver: dns.port))
    defer { relay.stop() }
    // Runs before the relay's stop, however the test ends: see `Dnsmasq`.
    defer { dns.stop() }

    // No record: no server, the connection is closed, and the failure is counted.
    XCTAssertNotNil(relay.waitForLine(containing: "server discovery failed", and: "no servers until a query succeeds"))
    XCTAssertNotNil(waitUntil(30) { self.failures(relay) > 0 })
    // Nothing is written: the relay closes the connection, and a write could raise SIGPIPE here.
    let refused = try TestSockets.connect(port: relay.port())
    defer { close(refused) }
    var entry = pollfd(fd: refused, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&entry, 1, 30_000), 1)
    var byte: UInt8 = 0
    XCTAssertEqual(read(refused, &byte, 1), 0, "the relay did not close a connection it had no server for")
    XCTAssertNotNil(relay.waitForLine(containing: "\"reason\":\"no_server_up\""))
    XCTAssertEqual(backend.accepted, 0)

    // The record appears: the server is applied and gets the connections.
    let appliedLines = relay.lineCount(containing: applied)
    try dns.restart(records: [Dnsmasq.Record(target: "127.0.0.1", port: backend.port, priority: 0, weight: 0)])
    XCTAssertTrue(waitForApplied(relay, after: appliedLines))
    try transferEach(specs(2...3), port: relay.port(), backends: [backend])
    XCTAssertEqual(backend.accepted, 2)

    // With the DNS server gone, a reload of the same file keeps the discovered server.
    dns.stop()
    XCTAssertTrue(try relay.reload(with: yaml(nameserver: dns.port)))
    try transferEach(specs(4...5), port: relay.port(), backends: [backend])
    XCTAssertEqual(backend.accepted, 4)
  }

  /// A record whose target is a host name, not an address: the name is resolved like a
  /// configured host-name server (through the system's resolver: here /etc/hosts'
  /// `localhost`), and the server gets the connections byte-exact.
  func testATargetGivenAsAHostNameIsResolvedAndServed() throws {
    guard Dnsmasq.executable != nil else { throw XCTSkip("dnsmasq is not installed") }
    guard (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8))?.contains("127.0.0.1 localhost") == true else {
      throw XCTSkip("/etc/hosts does not map localhost to 127.0.0.1")
    }
    let backend = try TestBackend()
    defer { backend.stop() }
    let dns = try Dnsmasq(records: [Dnsmasq.Record(target: "localhost", port: backend.port, priority: 0, weight: 1)])
    defer { dns.stop() }
    let relay = try SplicerProcess(yaml: yaml(nameserver: dns.port))
    defer { relay.stop() }
    // Runs before the relay's stop, however the test ends: see `Dnsmasq`.
    defer { dns.stop() }
    XCTAssertNotNil(relay.waitForLine(containing: "servers discovered", and: "localhost:\(backend.port)"))
    try transferEach(specs(1...3), port: relay.port(), backends: [backend])
    XCTAssertEqual(backend.accepted, 3)
    // Before the relay's stop waits for its exit: see `Dnsmasq`.
    dns.stop()
  }
}
