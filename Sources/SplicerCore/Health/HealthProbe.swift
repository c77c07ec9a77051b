import Glibc
import SplicerConfig
import SplicerRouting
import SplicerSystem

/// The active check of one server: every interval (with jitter) it connects, optionally sends
/// a request and reads a reply, all nonblocking on the health checker's loop and bounded by
/// the check's timeout, then feeds the result into the server's `HealthState`.
///
/// Owned by the `HealthChecker`; owns the probe socket while a check runs.
final class HealthProbe: EventHandler, TimerTarget {
  enum Phase {
    case waiting
    case connecting
    case exchanging
  }

  let row: Int
  let pool: String
  let server: String
  let config: HealthCheckConfig
  private let backend: Backend
  private unowned let checker: HealthChecker
  private(set) var state: HealthState
  private var phase = Phase.waiting
  private var fd: Int32 = -1
  private var request: [UInt8] = []
  private var sent = 0
  private var reply: [UInt8] = []
  var timerSlot = -1
  var timerDeadline: UInt64 = 0

  /// Replies are read up to this size; a match must come within it.
  static let replyLimit = 16 << 10

  init(row: Int, pool: String, backend: Backend, config: HealthCheckConfig, state: HealthState, checker: HealthChecker)
  {
    self.row = row
    self.pool = pool
    self.server = backend.name
    self.backend = backend
    self.config = config
    self.state = state
    self.checker = checker
    switch config.probe {
    case .tcp:
      request = []
    case .sendExpect(let send, _):
      request = send
    case .http(let path, let host, _):
      let hostHeader = host ?? (backend.address.isUnix ? "localhost" : backend.name)
      request = Array(
        "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: splicer-health-check\r\nConnection: close\r\n\r\n"
          .utf8)
    }
  }

  /// Schedules the next check after a jittered interval (the first one: a random part of one
  /// interval, so that a fresh start does not probe every server at once).
  func scheduleNext(first: Bool = false) {
    let random = Double.random(in: 0..<1)
    let delay =
      first
      ? config.interval * random
      : CheckSchedule.delay(interval: config.interval, jitter: config.jitter, random: random)
    checker.loop.schedule(self, at: checker.loop.now &+ delay.nanoseconds)
  }

  func timerFired(now: UInt64) {
    switch phase {
    case .waiting: begin()
    case .connecting, .exchanging: finish(success: false, detail: "timeout after \(config.timeout)")
    }
  }

  private func begin() {
    reply.removeAll(keepingCapacity: true)
    sent = 0
    // Looked up per check: a host name's address may have changed since the last one.
    guard var address = backend.currentAddress else {
      finish(success: false, detail: "host name not resolved yet")
      return
    }
    if let port = config.port { address = address.withPort(port) }
    do {
      let (socket, connectState) = try Socket.startConnect(to: address)
      fd = socket
      try checker.loop.register(fd, events: [.readable, .writable, .readHangup, .edgeTriggered], handler: self)
      phase = .connecting
      checker.loop.schedule(self, at: checker.loop.now &+ config.timeout.nanoseconds)
      if connectState == .connected { connected() }
    } catch {
      if ConnectFailureReason.isProxyResourceShortage(errno: error.errno) {
        skip(because: error)
      } else {
        finish(success: false, detail: "\(error)")
      }
    }
  }

  /// The proxy could not even start the check (no local port or descriptor left): that says
  /// nothing about the server, so the check counts neither way and the next one comes as
  /// scheduled. Otherwise a proxy short of ports would take every healthy server down.
  private func skip(because error: any Error) {
    cancel()
    checker.recordSkipped(self, error: error)
    scheduleNext()
  }

  func handle(_ events: EpollEvents, fd: Int32) {
    switch phase {
    case .waiting:
      return
    case .connecting:
      let error = Socket.pendingError(fd)
      if error != 0 || events.contains(.hangup) {
        finish(success: false, detail: "connect: \(Errno.name(of: error == 0 ? ECONNREFUSED : error))")
      } else if events.contains(.writable) {
        connected()
      }
    case .exchanging:
      exchange()
    }
  }

  private func connected() {
    if case .tcp = config.probe {
      finish(success: true, detail: "connected")
      return
    }
    phase = .exchanging
    exchange()
  }

  /// Sends what is left of the request, then reads until the reply decides the check.
  private func exchange() {
    while sent < request.count {
      let count = request[sent...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
      if count > 0 {
        sent += count
        continue
      }
      if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
      finish(success: false, detail: "send: \(Errno.name(of: errno))")
      return
    }
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = Glibc.read(fd, &buffer, buffer.count)
      if count > 0 {
        reply.append(contentsOf: buffer[0..<min(count, Self.replyLimit - reply.count)])
        if let verdict = judge(complete: false) {
          finish(success: verdict.success, detail: verdict.detail)
          return
        }
        if reply.count >= Self.replyLimit {
          finish(success: false, detail: "no match in the first \(Self.replyLimit) bytes")
          return
        }
        continue
      }
      if count == 0 {
        let verdict = judge(complete: true) ?? (false, "closed before a reply")
        finish(success: verdict.success, detail: verdict.detail)
        return
      }
      if errno == EAGAIN || errno == EINTR { return }
      finish(success: false, detail: "receive: \(Errno.name(of: errno))")
      return
    }
  }

  /// The verdict on the reply so far, or nil while more bytes could still decide it.
  private func judge(complete: Bool) -> (success: Bool, detail: String)? {
    switch config.probe {
    case .tcp:
      return (true, "connected")
    case .sendExpect(_, let expect):
      if ReplyMatcher.contains(reply, expect) { return (true, "reply matched") }
      return complete ? (false, "reply did not contain the expected bytes") : nil
    case .http(_, _, let statuses):
      guard let status = ReplyMatcher.httpStatus(reply) else {
        return complete || reply.contains(0x0A) ? (false, "not an HTTP response") : nil
      }
      return statuses.contains(status) ? (true, "HTTP \(status)") : (false, "HTTP \(status)")
    }
  }

  private func finish(success: Bool, detail: String) {
    cancel()
    checker.recordResult(self, success: success, detail: detail)
    scheduleNext()
  }

  /// The checker calls this with the shared board's view before recording a result: a passive
  /// down taken by a worker must be honoured here, so that `rise` checks bring it back.
  func syncPassiveDown() {
    _ = state.forceDown()
  }

  func record(success: Bool) -> HealthState.Status? {
    state.record(success: success)
  }

  /// Ends a running check without recording it; also the first step of `finish`. Used alone
  /// when a reload removed the server or the checker stops.
  func cancel() {
    checker.loop.cancelTimer(self)
    if fd >= 0 {
      checker.loop.forget(fd)
      Socket.close(fd)
      fd = -1
    }
    phase = .waiting
  }
}

/// Pure reply checks, kept apart so that they are tested on byte strings.
enum ReplyMatcher {
  static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
  }

  /// The status code of an HTTP/1.x status line, once the line is complete.
  static func httpStatus(_ reply: [UInt8]) -> Int? {
    guard let end = reply.firstIndex(of: 0x0A) else { return nil }
    var lineEnd = end
    if lineEnd > 0 && reply[lineEnd - 1] == 0x0D { lineEnd -= 1 }
    let line = String(decoding: reply[..<lineEnd], as: UTF8.self)
    let parts = line.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]),
      (100...599).contains(code)
    else { return nil }
    return code
  }
}
