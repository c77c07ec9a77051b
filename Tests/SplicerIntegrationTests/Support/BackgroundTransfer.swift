import Foundation
import Glibc

/// Drives a set of `StreamConnection`s on a thread of its own, so that a test can do
/// something hostile to the relay (a flood, a slowloris, resets) on its own thread while the
/// transfers run, and pause them to hold bytes in flight inside the relay.
///
/// Owns its connections from `init` until `wait` returns true; only then may the test read
/// them. Pausing stops reading and writing, so the relay's pipes fill and stay full.
final class BackgroundTransfer: @unchecked Sendable {
  private let connections: [StreamConnection]
  private let lock = NSCondition()
  private var paused = false
  private var finished = false
  private var succeeded = false
  private var receivedBytes = 0

  /// Starts driving `connections` at once; gives up after `timeoutSeconds`.
  init(_ connections: [StreamConnection], timeoutSeconds: Double) {
    self.connections = connections
    let thread = Thread { [self] in self.drive(timeoutSeconds: timeoutSeconds) }
    thread.stackSize = 1 << 20
    thread.start()
  }

  /// Stops moving bytes (after the current poll round) until `resume`.
  func pause() {
    lock.lock()
    paused = true
    lock.unlock()
  }

  func resume() {
    lock.lock()
    paused = false
    lock.broadcast()
    lock.unlock()
  }

  /// Waits until the clients together received at least `bytes`; false on timeout or if
  /// the transfers ended first.
  func waitForReceived(atLeast bytes: Int, timeoutSeconds: Double) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    while receivedBytes < bytes {
      if finished || !lock.wait(until: deadline) { return receivedBytes >= bytes }
    }
    return true
  }

  /// Waits for the end; true when every connection finished before the deadline. After a
  /// true return the connections belong to the caller again.
  func wait(timeoutSeconds: Double) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    while !finished {
      if !lock.wait(until: deadline) { return false }
    }
    return succeeded
  }

  private func drive(timeoutSeconds: Double) {
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { scratch.deallocate() }
    // Each round blocks in poll(2) for at most 100 ms: no sleep between rounds.
    let result =
      waitFor(timeoutSeconds, every: 0) { () -> Bool? in
        lock.lock()
        while paused { _ = lock.wait(until: Date(timeIntervalSinceNow: 0.1)) }
        lock.unlock()
        let active = connections.filter { !$0.done }
        if active.isEmpty { return true }
        guard PollDriver.round(active, scratch: scratch) else { return false }
        let total = connections.reduce(0) { $0 + $1.received.byteCount }
        lock.lock()
        receivedBytes = total
        lock.broadcast()
        lock.unlock()
        return nil
      } ?? false
    lock.lock()
    finished = true
    succeeded = result
    lock.broadcast()
    lock.unlock()
  }
}
