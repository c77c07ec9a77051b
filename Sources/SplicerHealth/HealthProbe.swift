import Glibc
import SplicerConfig
import SplicerLoop
import SplicerProtocol
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
      if Errno.isResourceShortage(error.errno) {
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
      let result = request[sent...].withUnsafeBytes { bytes in
        Result { () throws(SyscallError) in try Socket.send(fd, bytes) }
      }
      let count: Int
      switch result {
      case .success(.processed(let written)): count = written
      // An edge-triggered writable event resumes the request.
      case .success(.wouldBlock): return
      case .failure(let error):
        finish(success: false, detail: "send: \(error.errnoName)")
        return
      }
      // send(2) of a non-empty buffer does not return 0; if it ever did, fail rather than spin.
      guard count > 0 else {
        finish(success: false, detail: "send: no progress")
        return
      }
      sent += count
    }
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let result = buffer.withUnsafeMutableBytes { bytes in
        Result { () throws(SyscallError) in try DataTransfer.read(fd, into: bytes) }
      }
      let count: Int
      switch result {
      case .success(.processed(let read)): count = read
      // An edge-triggered readable event brings the rest of the reply.
      case .success(.wouldBlock): return
      case .failure(let error):
        finish(success: false, detail: "receive: \(error.errnoName)")
        return
      }
      if count == 0 {
        let verdict = judge(complete: true) ?? CheckVerdict(success: false, detail: "closed before a reply")
        finish(success: verdict.success, detail: verdict.detail)
        return
      }
      reply.append(contentsOf: buffer[0..<min(count, Self.replyLimit - reply.count)])
      if let verdict = judge(complete: false) {
        finish(success: verdict.success, detail: verdict.detail)
        return
      }
      if reply.count >= Self.replyLimit {
        finish(success: false, detail: "no match in the first \(Self.replyLimit) bytes")
        return
      }
    }
  }

  /// The verdict on the reply so far, or nil while more bytes could still decide it.
  private func judge(complete: Bool) -> CheckVerdict? {
    CheckVerdict.judge(config.probe, reply: reply, complete: complete)
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
