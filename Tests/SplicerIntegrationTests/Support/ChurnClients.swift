import Foundation
import Glibc
import Synchronization

/// Many client threads, each making one short connection after another through the relay to
/// a `.pong` backend: connect, "PING", read "+PONG\r\n" and the EOF, close. For stress tests
/// that look for connections the relay leaves waiting (a paused listener, a missed queue
/// wake-up). The only time bound is `hangSeconds` per connection, which only stops a hang.
enum ChurnClients {
  struct Outcome {
    var served = 0
    /// Connections that got no pong: closed early, reset, or still waiting at `hangSeconds`.
    var stalled = 0
    /// The first few stalls, with what the client saw.
    var examples: [String] = []
  }

  static func run(port: UInt16, threads: Int, roundsPerThread: Int, hangSeconds: Int = 30) -> Outcome {
    let tally = Mutex(Outcome())
    let done = DispatchGroup()
    for thread in 0..<threads {
      done.enter()
      let worker = Thread {
        defer { done.leave() }
        for round in 0..<roundsPerThread {
          let result = oneConnection(port: port, hangSeconds: hangSeconds)
          tally.withLock { outcome in
            if let failure = result {
              outcome.stalled += 1
              if outcome.examples.count < 5 { outcome.examples.append("thread \(thread) round \(round): \(failure)") }
            } else {
              outcome.served += 1
            }
          }
        }
      }
      worker.stackSize = 1 << 20
      worker.start()
    }
    done.wait()
    return tally.withLock { $0 }
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
