import Foundation
import Glibc
import SplicerSystem
import XCTest

/// `Signals.waitInfo`, `Signals.queue`, `SignalDescriptor` and `ProcessDescriptor` against the
/// real kernel. The test process has other threads that do not block the signal, so a signal
/// sent to the whole process could go to one of them (and end the process, a real-time
/// signal's default action): the tests queue to the calling thread, which delivers the same
/// `siginfo_t` as sigqueue to a pid.
final class SignalsInfoTests: XCTestCase {
  private let signal = __libc_current_sigrtmin() + 2

  override func setUp() {
    Signals.block([signal])
  }

  override func tearDown() {
    // Nothing left pending (each test takes what it sent), so unblocking delivers nothing.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  func testWaitInfoReturnsAQueuedSignalWithOurPidUidAndValue() throws {
    for value: Int32 in [4242, 1, -9, Int32.max, Int32.min] {
      try Signals.queueToCallingThread(signal: signal, value: value)
      let info = try XCTUnwrap(Signals.waitInfo(for: [signal], milliseconds: 10_000), "\(value)")
      XCTAssertEqual(
        info, SignalInfo(signal: signal, origin: .queued, senderPID: getpid(), senderUID: getuid(), value: value))
    }
  }

  func testWaitInfoTellsASignalWithoutAValueByItsOrigin() throws {
    XCTAssertEqual(pthread_kill(pthread_self(), signal), 0)
    let info = try XCTUnwrap(Signals.waitInfo(for: [signal], milliseconds: 10_000))
    // glibc sends it with tgkill (SI_TKILL) or, to the calling thread, as kill does (SI_USER).
    XCTAssertTrue([.thread, .user].contains(info.origin), "\(info.origin)")
    XCTAssertEqual(info.senderPID, getpid())
    XCTAssertEqual(info.value, 0)
  }

  func testWaitInfoTimesOutWithNothingPending() {
    XCTAssertNil(Signals.waitInfo(for: [signal], milliseconds: 0))
  }

  func testQueuedSignalsArriveInOrderThroughASignalDescriptor() throws {
    let descriptor = try SignalDescriptor(signals: [signal])
    XCTAssertNil(try descriptor.next(), "nothing pending yet")
    for value: Int32 in [7, -3, 11] { try Signals.queueToCallingThread(signal: signal, value: value) }
    var values: [Int32] = []
    while let info = try descriptor.next() {
      XCTAssertEqual(info.origin, .queued)
      XCTAssertEqual(info.senderPID, getpid())
      values.append(info.value)
    }
    XCTAssertEqual(values, [7, -3, 11], "real-time signals queue in order, none merged")
  }

  func testQueueChecksThePidBeforeSending() throws {
    // Signal 0 sends nothing: it only checks that the process exists and may be signalled.
    XCTAssertNoThrow(try Signals.queue(pid: getpid(), signal: 0, value: 0))
    for pid: Int32 in [0, -1] {
      XCTAssertThrowsError(try Signals.queue(pid: pid, signal: 0, value: 0)) { error in
        XCTAssertEqual((error as? SyscallError)?.errno, EINVAL, "pid \(pid) would address a process group")
      }
    }
    let gone = try reapedChildPID()
    XCTAssertThrowsError(try Signals.queue(pid: gone, signal: 0, value: 0)) { error in
      XCTAssertEqual((error as? SyscallError)?.errno, ESRCH)
    }
  }

  func testProcessDescriptorBecomesReadableWhenTheProcessExits() throws {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/cat")
    let input = Pipe()
    child.standardInput = input
    try child.run()
    let descriptor = try ProcessDescriptor(pid: child.processIdentifier)
    XCTAssertFalse(descriptor.hasExited, "cat waits for its input")
    try input.fileHandleForWriting.close()
    var entry = pollfd(fd: descriptor.fd, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&entry, 1, 30_000), 1, "the pidfd turns readable at the exit")
    XCTAssertTrue(descriptor.hasExited)
    child.waitUntilExit()
  }

  func testProcessDescriptorRefusesAMissingProcess() throws {
    let gone = try reapedChildPID()
    do {
      _ = try ProcessDescriptor(pid: gone)
      XCTFail("a pidfd of a reaped process")
    } catch {
      XCTAssertEqual(error.errno, ESRCH)
    }
  }

  /// The pid of a child that has exited and been reaped (not reused this soon: the kernel
  /// hands out pids in increasing order).
  private func reapedChildPID() throws -> Int32 {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/true")
    try child.run()
    child.waitUntilExit()
    return child.processIdentifier
  }
}
