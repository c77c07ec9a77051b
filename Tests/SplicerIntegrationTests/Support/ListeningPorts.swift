import Foundation
import Glibc

/// The TCP ports a child process listens on, read from /proc: how a test learns the port of a
/// helper server (iperf3, nginx, openssl, Prometheus) without a probe connection, which could
/// reach some other process that holds the port.
///
/// Prefer a child that binds port 0 itself (`port(of:)`). A child that cannot (iperf3, nginx
/// and systemd-socket-activate refuse port 0) is started by `startOnFreePort`, which checks
/// that the child itself holds the port and starts it again on another when it does not.
enum ListeningPorts {
  /// The TCP ports (IPv4 and IPv6) that `pid` has a listening socket on.
  static func of(pid: pid_t) -> Set<UInt16> {
    let inodes = socketInodes(of: pid)
    guard !inodes.isEmpty else { return [] }
    var ports: Set<UInt16> = []
    for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
      guard let text = readWhole(table) else { continue }
      // "sl local_address rem_address st ... inode": 0A is TCP_LISTEN; the port is the hex
      // after the last ':' of local_address.
      for line in text.split(separator: "\n").dropFirst() {
        let fields = line.split(separator: " ")
        guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
          let hex = fields[1].split(separator: ":").last, let port = UInt16(hex, radix: 16)
        else { continue }
        ports.insert(port)
      }
    }
    return ports
  }

  /// The whole of a /proc file, read with read(2) to the end: /proc reports a size of 0, and a
  /// reader that trusts the size (Foundation's) stops after the first page, before a helper's
  /// line once many sockets exist (a test that leaves hundreds in TIME_WAIT).
  static func readWhole(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var page = [UInt8](repeating: 0, count: 65_536)
    while true {
      let got = read(fd, &page, page.count)
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      data += page[0..<got]
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// Waits (bounded) until `pid` listens, and returns its one port; nil if it exited first or
  /// the time ran out. For a child told to bind port 0.
  static func port(of pid: pid_t, timeoutSeconds: Double = 30) -> UInt16? {
    waitFor(timeoutSeconds) { () -> UInt16? in
      guard kill(pid, 0) == 0, !isZombie(pid) else { return 0 }
      return of(pid: pid).first
    }.flatMap { $0 == 0 ? nil : $0 }
  }

  /// Starts a child that cannot bind port 0 on a port that was free a moment ago, and waits
  /// until the child itself listens there. Another process can take the port between the
  /// check and the child's bind; the child then fails to bind (or never listens on it), and
  /// it is stopped and started again on another port, up to `attempts` times.
  static func startOnFreePort<Child>(
    attempts: Int = 5, timeoutSeconds: Double = 30, pid: (Child) -> pid_t, stop: (Child) -> Void,
    _ start: (UInt16) throws -> Child
  ) throws -> (child: Child, port: UInt16) {
    var lastError: Error = TestSocketError(call: "no attempt to start a helper server", code: 0)
    for _ in 0..<attempts {
      let port = try TestSockets.portFreeJustNow()
      do {
        let child = try start(port)
        let listening = waitUntil(timeoutSeconds) {
          of(pid: pid(child)).contains(port) || kill(pid(child), 0) != 0 || isZombie(pid(child))
        }
        if listening != nil && of(pid: pid(child)).contains(port) { return (child, port) }
        stop(child)
        lastError = TestSocketError(call: "helper server did not listen on port \(port)", code: 0)
      } catch {
        lastError = error
      }
    }
    throw lastError
  }

  /// `startOnFreePort` for a helper program.
  static func startOnFreePort(attempts: Int = 5, _ start: (UInt16) throws -> ExternalProcess) throws -> (
    child: ExternalProcess, port: UInt16
  ) {
    try startOnFreePort(attempts: attempts, pid: { $0.process.processIdentifier }, stop: { $0.terminate() }, start)
  }

  /// A child that has exited but was not reaped yet still answers kill(pid, 0).
  private static func isZombie(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(close, offsetBy: 2)] == "Z"
  }

  /// The inodes of the sockets among `pid`'s descriptors ("socket:[123]" links).
  private static func socketInodes(of pid: pid_t) -> Set<String> {
    let directory = "/proc/\(pid)/fd"
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    var inodes: Set<String> = []
    for entry in entries {
      guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(entry)"),
        target.hasPrefix("socket:[")
      else { continue }
      inodes.insert(String(target.dropFirst(8).dropLast()))
    }
    return inodes
  }
}
