import Foundation
import Glibc

/// A steady stream of short transfers through a relay on a thread of its own, for tests that
/// change the relay underneath (upgrades in a row): batch after batch of concurrent
/// connections, each checked byte-exact both ways, until `finish`.
///
/// Failures are collected as text for the test to assert on its own thread.
final class SteadyTraffic: @unchecked Sendable {
  private let port: UInt16
  private let backend: TestBackend
  private let batchSize: Int
  private let lock = NSCondition()
  private var workload: UpgradeWorkload
  private var stopping = false
  private var finished = false
  private var completed = 0
  private var failures: [String] = []

  init(port: UInt16, backend: TestBackend, batchSize: Int = 8, seed: UInt64) {
    self.port = port
    self.backend = backend
    self.batchSize = batchSize
    workload = UpgradeWorkload(seed: seed)
    let thread = Thread { [self] in self.run() }
    thread.stackSize = 1 << 20
    thread.start()
  }

  /// Waits until at least `count` transfers have been checked; false on timeout.
  func waitForCompleted(atLeast count: Int, timeoutSeconds: Double) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    while completed < count {
      if finished || !lock.wait(until: deadline) { return completed >= count }
    }
    return true
  }

  /// Lets the current batch end and stops; the transfers checked and what failed.
  func finish(timeoutSeconds: Double = 60) -> (completed: Int, failures: [String]) {
    let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
    lock.lock()
    defer { lock.unlock() }
    stopping = true
    while !finished {
      if !lock.wait(until: deadline) { return (completed, failures + ["the last batch did not end"]) }
    }
    return (completed, failures)
  }

  private var shouldStop: Bool {
    lock.lock()
    defer { lock.unlock() }
    return stopping
  }

  private func run() {
    while !shouldStop {
      let specs = workload.specs(batchSize, upTo: 512 << 10)
      let problems = runBatch(specs)
      lock.lock()
      completed += specs.count
      failures += problems
      lock.broadcast()
      lock.unlock()
    }
    lock.lock()
    finished = true
    lock.broadcast()
    lock.unlock()
  }

  /// Runs one batch to its end; what went wrong, one line per problem.
  private func runBatch(_ specs: [TransferSpec]) -> [String] {
    var clients: [StreamConnection] = []
    for spec in specs {
      guard let fd = try? TestSockets.connect(port: port) else { return ["seed \(spec.seed): connect failed"] }
      clients.append(
        StreamConnection(
          fd: fd, outgoing: PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength),
          prefix: TestBackend.header(responseLength: spec.responseLength, seed: spec.seed)))
    }
    guard PollDriver.run(clients, timeoutSeconds: 60) else { return ["a batch did not finish in 60 s"] }
    var problems: [String] = []
    for (spec, client) in zip(specs, clients) {
      if let failure = client.failure { problems.append("seed \(spec.seed): errno \(failure)") }
      let reply = PatternStream(seed: spec.seed, length: spec.responseLength).expectedDigest()
      if client.received.byteCount != spec.responseLength || client.receivedDigest != reply {
        problems.append("seed \(spec.seed): reply \(client.received.byteCount) of \(spec.responseLength) bytes")
      }
      let request = PatternStream(seed: spec.seed &* 2 &+ 1, length: spec.requestLength).expectedDigest()
      let received = backend.result(seed: spec.seed)
      if received?.count != spec.requestLength || received?.digest != request {
        problems.append("seed \(spec.seed): request \(received?.count ?? -1) of \(spec.requestLength) bytes")
      }
    }
    return problems
  }
}
