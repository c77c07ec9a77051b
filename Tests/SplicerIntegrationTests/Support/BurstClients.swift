import Foundation
import Glibc

@testable import SplicerRouting

/// Rounds of nearly simultaneous short connections through the relay to a `.pong` backend: in
/// each round, `clients` threads pass a barrier together and each, after a seeded random
/// jitter, makes one connection (connect, "PING", read "+PONG\r\n" and the EOF, close); the
/// next round starts when all are done.
///
/// For stress tests that look for connections the relay leaves waiting although it has room
/// (a listener paused below its limit, a queued session that missed a freed server slot).
/// Between rounds nothing else happens, so a wake-up the relay lost is never made good by
/// later traffic: the connection waits until `hangSeconds`, which only ends the hang, and is
/// counted as a stall. The clients stop after the first round with a stall.
enum BurstClients {
  struct Outcome {
    var served = 0
    /// Connections that got no pong: closed early, reset, or still waiting at `hangSeconds`.
    var stalled = 0
    var rounds = 0
    /// The first few stalls, with what the client saw.
    var examples: [String] = []
  }

  /// - Parameter jitterMicroseconds: each client waits a random time up to this after the
  ///   barrier (busy, from a generator seeded with `seed` and its index, so a run can be
  ///   repeated): the offsets between the connections sweep over the moments where a race
  ///   can fall, instead of leaving them to the scheduler.
  static func run(
    port: UInt16, clients: Int, rounds: Int, seed: UInt64, jitterMicroseconds: Double = 2_000, hangSeconds: Int = 30
  ) -> Outcome {
    // NSLock (pthread underneath) rather than Mutex, whose futex ThreadSanitizer cannot see.
    let tally = NSLockedOutcome()
    let barrier = RoundBarrier(parties: clients)
    let done = DispatchGroup()
    for client in 0..<clients {
      done.enter()
      let thread = Thread {
        defer { done.leave() }
        var random = SplitMix64(seed: seed &+ UInt64(client))
        for round in 0..<rounds {
          barrier.wait()
          let start = TestClock.now() + random.unit() * jitterMicroseconds / 1e6
          while TestClock.now() < start {}
          let failure = oneConnection(port: port, hangSeconds: hangSeconds)
          tally.update { outcome in
            if let failure {
              outcome.stalled += 1
              if outcome.examples.count < 5 { outcome.examples.append("round \(round), client \(client): \(failure)") }
            } else {
              outcome.served += 1
            }
            if client == 0 { outcome.rounds = round + 1 }
          }
          // Every thread reads the tally between the same two barriers, so all stop together.
          barrier.wait()
          if tally.update({ $0.stalled > 0 }) { return }
        }
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
    done.wait()
    return tally.update { $0 }
  }

  /// nil when the pong and the EOF arrived, else what went wrong.
  private static func oneConnection(port: UInt16, hangSeconds: Int) -> String? {
    let fd: Int32
    do {
      fd = try TestSockets.connect(port: port, nonblocking: false)
    } catch {
      return "connect: \(error)"
    }
    defer { close(fd) }
    guard HostileSockets.writeAll(fd, Array("PING\r\n".utf8)) else { return "write failed: errno \(errno)" }
    let reply = TestSockets.readToEnd(fd, timeoutSeconds: hangSeconds)
    if reply.bytes == Array("+PONG\r\n".utf8) && reply.errno == 0 { return nil }
    return "read \(reply.bytes.count) bytes, errno \(reply.errno)"
  }
}

/// A pthread barrier for a fixed number of threads; owns its storage.
private final class RoundBarrier: @unchecked Sendable {
  private let barrier = UnsafeMutablePointer<pthread_barrier_t>.allocate(capacity: 1)

  init(parties: Int) {
    pthread_barrier_init(barrier, nil, UInt32(parties))
  }

  func wait() {
    pthread_barrier_wait(barrier)
  }

  deinit {
    pthread_barrier_destroy(barrier)
    barrier.deallocate()
  }
}

/// The tally of a run, behind an NSLock.
private final class NSLockedOutcome: @unchecked Sendable {
  private let lock = NSLock()
  private var outcome = BurstClients.Outcome()

  func update<Result>(_ body: (inout BurstClients.Outcome) -> Result) -> Result {
    lock.lock()
    defer { lock.unlock() }
    return body(&outcome)
  }
}
