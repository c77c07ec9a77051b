import Foundation
import Glibc
import XCTest

/// The proxy running out of local ports is its own failure, not the server's: connects that
/// fail with EADDRNOTAVAIL are counted as `no_local_port`, never as passive failures, and
/// active checks that cannot start for that reason are skipped, so a healthy server stays up.
///
/// The relay runs in a network namespace of its own (`unshare -n`) whose local port range is
/// two ports wide, with an echo server (socat) inside it. Nothing else lives in that namespace,
/// so its fixed ports cannot be taken, and they must be fixed: a bind to port 0 would take one
/// of the two ports. The test's clients and scrapes enter the namespace with `nsenter` and
/// connect from fixed ports outside the range, which leaves both to the relay's connects.
final class LocalPortExhaustionTests: RelayTestCase {
  /// Runs `arguments` inside the relay's network namespace; returns its output.
  private func inNamespace(of relay: SplicerProcess, _ arguments: [String]) throws -> String {
    let (status, output) = try ExternalProcess.run(
      "/usr/bin/nsenter", ["-t", "\(relay.pid)", "-n"] + arguments)
    XCTAssertEqual(status, 0, "\(arguments.joined(separator: " ")): \(String(decoding: output, as: UTF8.self))")
    return String(decoding: output, as: UTF8.self)
  }

  private func metrics(_ relay: SplicerProcess) throws -> String {
    try inNamespace(
      of: relay, ["curl", "-s", "--local-port", "30000-30999", "http://127.0.0.1:\(relay.port("admin"))/metrics"])
  }

  /// Sends SIGTERM to every process called `name` whose network namespace is `namespace`
  /// (the target of a /proc/PID/ns/net link).
  private static func killProcesses(named name: String, inNetworkNamespace namespace: String) {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = Int32(entry),
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == name + "\n",
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")) == namespace
      else { continue }
      kill(pid, SIGTERM)
    }
  }

  func testRunningOutOfLocalPortsNeverTakesAHealthyServerDown() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root for a network namespace of its own") }
    for tool in ["socat", "ip", "curl", "python3"] where ExternalProcess.find(tool) == nil {
      throw XCTSkip("\(tool) is not installed")
    }
    let echoPort = 7_001
    // Inside the new namespace: loopback up, two local ports, no TIME_WAIT (a closed check or
    // connection gives its port back at once, so only open connections hold the two), the
    // echo server, then the relay.
    let setup = """
      ip link set lo up && echo '61000 61001' > /proc/sys/net/ipv4/ip_local_port_range \
      && echo 0 > /proc/sys/net/ipv4/tcp_max_tw_buckets \
      && { socat TCP-LISTEN:\(echoPort),bind=127.0.0.1,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 & } \
      && exec "$0" "$@"
      """
    let relay = try SplicerProcess(
      yaml: """
        workers: 1
        listeners: [{ name: test, bind: "127.0.0.1:8000", pool: backends }]
        pools:
          backends:
            retries: 0
            health_check: { type: tcp, interval: 200ms, timeout: 200ms, rise: 1, fall: 1 }
            observe: { failures: 1 }
            servers: [{ address: "127.0.0.1:\(echoPort)" }]
        timeouts: { drain: 2s }
        log: { level: info, format: json, access_log: true }
        admin: { bind: 127.0.0.1:9090 }
        """, launcher: ["/usr/bin/unshare", "-n", "/bin/sh", "-c", setup])
    let namespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(relay.pid)/ns/net")
    defer {
      // socat was started by the namespace's shell and dies with nothing but a signal; the
      // relay's connections to it end with it. Only the socats of this namespace: another
      // suite running this test at the same time has its own.
      Self.killProcesses(named: "socat", inNetworkNamespace: namespace)
      relay.stop()
    }
    let up = "splicer_server_up{pool=\"backends\",server=\"127.0.0.1:\(echoPort)\"}"
    XCTAssertNotNil(waitUntil(30) { HTTPGet.sample((try? self.metrics(relay)) ?? "", up) == 1 })

    // Two clients hold both local ports; a third connection finds none left, and so do the
    // active checks while the two stay open. An active check holds a port for a moment every
    // 200 ms: a holder whose connect came then finds no port and is closed (counted as
    // no_local_port, like the third), so it tries again, and the retries are reported.
    let client = """
      import socket, sys
      port = int(sys.argv[1])
      def connect(source_port):
          s = socket.socket()
          s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
          s.settimeout(30)
          s.bind(("127.0.0.1", source_port))
          s.connect(("127.0.0.1", port))
          return s
      def echoed(s):
          s.sendall(b"ping")
          try:
              return s.recv(4)
          except ConnectionResetError:
              return b""
      held, retries = [], 0
      for source_port in (40001, 40002):
          while True:
              s = connect(source_port)
              if echoed(s) == b"ping":
                  break
              s.close()
              retries += 1
              assert retries < 50, "no port for a holder after 50 tries"
          held.append(s)
      third = connect(40003)
      print(f"third: {len(echoed(third))} retries: {retries}", flush=True)
      sys.stdin.readline()
      """
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
    holder.arguments = ["-t", "\(relay.pid)", "-n", "python3", "-c", client, "\(relay.port())"]
    let input = Pipe()
    let output = Pipe()
    holder.standardInput = input
    holder.standardOutput = output
    try holder.run()
    defer {
      try? input.fileHandleForWriting.close()
      holder.waitUntilExit()
    }
    // Up to the first newline, bounded, so that a client that failed cannot hang the test.
    var line = ""
    while !line.hasSuffix("\n") {
      var entry = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, 60_000) == 1 else { break }
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line += String(decoding: chunk, as: UTF8.self)
    }
    let reported = line.split(separator: " ")
    XCTAssertEqual(reported.count, 4, line)
    XCTAssertEqual(reported.first.map(String.init), "third:", line)
    XCTAssertEqual(
      reported.dropFirst().first.map(String.init), "0", "the third client should be closed without a server")
    let retries = reported.count == 4 ? Double(reported[3].trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 : -1
    XCTAssertNotNil(
      relay.waitForLine(containing: "\"message\":\"health check skipped\"", and: "EADDRNOTAVAIL"),
      "no active check ran into the port shortage")
    let text = try metrics(relay)
    let failures = "splicer_server_connect_failures_total{pool=\"backends\",server=\"127.0.0.1:\(echoPort)\""
    XCTAssertEqual(
      HTTPGet.sample(text, failures + ",reason=\"no_local_port\"}"), 1 + retries, "the third and any retry")
    XCTAssertEqual(HTTPGet.sample(text, failures + ",reason=\"unreachable\"}"), 0)
    XCTAssertEqual(HTTPGet.sample(text, up), 1, "the proxy's own port shortage took the server down")
    XCTAssertEqual(
      relay.allLines().filter { $0.contains("\"message\":\"server down\"") }, [], "a server was marked down")

    // The holders leave: the server, still up, serves the next client at once.
    try input.fileHandleForWriting.close()
    holder.waitUntilExit()
    let echoed = try inNamespace(
      of: relay,
      [
        "python3", "-c",
        "import socket,sys; s=socket.socket(); s.settimeout(30); s.bind(('127.0.0.1',40004));"
          + " s.connect(('127.0.0.1',int(sys.argv[1]))); s.sendall(b'ping'); print(s.recv(4).decode())",
        "\(relay.port())",
      ])
    XCTAssertEqual(echoed, "ping\n")
  }
}
