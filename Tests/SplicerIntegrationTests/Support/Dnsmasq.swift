import Foundation
import Glibc

/// A real DNS server for the SRV discovery tests: Debian's dnsmasq in the foreground,
/// unprivileged where the test is, answering only the records it is started with.
///
/// dnsmasq cannot bind port 0 and reads `--srv-host` only at start, so the first start takes
/// a port that was free a moment ago (checked by `ListeningPorts.startOnFreePort`: dnsmasq
/// listens on TCP beside UDP), and a change of records is a restart on the same port.
///
/// Stop it before waiting for any other process's exit (a `SplicerProcess.stop`): dnsmasq
/// closes every descriptor it inherits, Foundation's exit watch among them, so Foundation's
/// process monitor takes that for its exit and blocks in wait4(2) on it, and notices no other
/// child's exit until dnsmasq really ends.
final class Dnsmasq {
  /// An SRV record: target, port, priority, weight.
  struct Record {
    var target: String
    var port: UInt16
    var priority: UInt16
    var weight: UInt16
  }

  static let name = "_echo._tcp.example"
  private(set) var process: ExternalProcess
  let port: UInt16

  static var executable: String? {
    ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  init(records: [Record]) throws {
    let (child, port) = try ListeningPorts.startOnFreePort { port in try Self.start(port: port, records: records) }
    process = child
    self.port = port
  }

  /// Stops dnsmasq, so that queries go unanswered.
  func stop() { process.terminate() }

  /// Stops and starts again on the same port with other records; waits until it listens.
  func restart(records: [Record]) throws {
    process.terminate()
    process = try Self.start(port: port, records: records)
    guard ListeningPorts.port(of: process.process.processIdentifier) == port else {
      throw TestSocketError(call: "dnsmasq did not listen again on port \(port)", code: 0)
    }
  }

  private static func start(port: UInt16, records: [Record]) throws -> ExternalProcess {
    guard let executable else { throw TestSocketError(call: "no dnsmasq", code: 0) }
    let srv = records.map { "--srv-host=\(name),\($0.target),\($0.port),\($0.priority),\($0.weight)" }
    return try ExternalProcess(
      executable,
      [
        "--no-daemon", "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
        "--no-hosts", "--conf-file=/dev/null", "--pid-file=", "--local-ttl=1",
      ] + srv)
  }
}
