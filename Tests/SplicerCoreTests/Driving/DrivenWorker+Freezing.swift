import Glibc
import SplicerSystem
import XCTest

@testable import SplicerCore

/// Freezing and resuming a driven worker, as the upgrade's main thread will, and what a test
/// looks at meanwhile.
extension DrivenWorker {
  /// Posts `.freeze` and runs turns until the worker has reported frozen (at the end of the
  /// turn that applied the command).
  func freeze(file: StaticString = #filePath, line: UInt = #line) {
    let freeze = UpgradeFreeze()
    worker.post(.freeze(freeze))
    turn(until: { freeze.frozenWorkers == 1 }, "the worker frozen", file: file, line: line)
    XCTAssertTrue(worker.isFrozen, file: file, line: line)
  }

  /// Posts `.resume` and runs the one turn that applies it.
  func resume(file: StaticString = #filePath, line: UInt = #line) {
    worker.post(.resume)
    turn(until: { !worker.isFrozen }, "the worker resumed", file: file, line: line)
  }

  /// Turns that each give the kernel up to 10 ms to report something, for a test that
  /// asserts that nothing happens.
  func quietTurns(_ count: Int = 5, file: StaticString = #filePath, line: UInt = #line) {
    for _ in 0..<count {
      XCTAssertNoThrow(try worker.loop.runOnce(timeout: .milliseconds(10)), file: file, line: line)
    }
  }

  /// The session whose client is the test's socket `client`.
  func session(of client: Int32) -> Session? {
    guard let address = try? Socket.localAddress(client) else { return nil }
    return worker.sessions.first { $0.peerAddress == address }
  }
}

/// A stream of bytes a test can check by offset: byte n is n % 251, so a lost, repeated or
/// reordered chunk shows.
enum OffsetPattern {
  static func byte(at offset: Int) -> UInt8 { UInt8(offset % 251) }

  /// Sends the next `count` bytes of the pattern from `offset`, or what the socket takes of
  /// them; returns the new offset.
  static func send(_ fd: Int32, from offset: Int, count: Int = 65_536) -> Int {
    let bytes = (0..<count).map { byte(at: offset + $0) }
    let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    return offset + max(0, sent)
  }

  /// Reads what has arrived and checks that it continues the pattern at `offset`; returns
  /// the new offset.
  static func receive(_ fd: Int32, from offset: Int, file: StaticString = #filePath, line: UInt = #line) -> Int {
    var offset = offset
    while case .bytes(let bytes) = LoopbackPeers.read(fd) {
      for (i, value) in bytes.enumerated() where value != byte(at: offset + i) {
        XCTFail("byte \(offset + i) is \(value), not \(byte(at: offset + i))", file: file, line: line)
        return offset + bytes.count
      }
      offset += bytes.count
    }
    return offset
  }
}

/// Bytes queued in a socket's receive queue and not read yet (peeked, up to 64 KiB).
func queuedBytes(_ fd: Int32) -> Int {
  var buffer = [UInt8](repeating: 0, count: 65_536)
  return max(0, recv(fd, &buffer, buffer.count, Int32(MSG_PEEK | MSG_DONTWAIT)))
}
