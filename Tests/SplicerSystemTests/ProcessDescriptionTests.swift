import Foundation
import Glibc
import SplicerSystem
import XCTest

/// `ProcessDescription`: the signal masks of a status file, and this process read from /proc.
final class ProcessDescriptionTests: XCTestCase {
  private static func status(blocked: String, ignored: String = "0000000000000000", caught: String = "0000000000000000")
    -> String
  {
    "Name:\tsplicer\nSigPnd:\t0000000000000000\nSigBlk:\t\(blocked)\nSigIgn:\t\(ignored)\nSigCgt:\t\(caught)\n"
  }

  func testHandledSignalsAreCaughtIgnoredOrBlockedByEveryOtherThread() {
    let none = "0000000000000000"
    // SIGUSR2 (12) is bit 0x800, SIGPIPE (13) 0x1000, SIGINT (2) 0x2, SIGHUP (1) 0x1.
    let cases: [(main: String, others: [String], handled: UInt64?)] = [
      (Self.status(blocked: none), [Self.status(blocked: none)], 0),
      (Self.status(blocked: none, ignored: "0000000000001000", caught: "0000000000000002"), [], 0x1002),
      // One thread: its own mask counts.
      (Self.status(blocked: "0000000000000800"), [], 0x800),
      // The main thread waits in sigtimedwait (its mask shows the signal unblocked), every
      // other thread blocks it: as Splicer's supervisor and workers do.
      (
        Self.status(blocked: none),
        [Self.status(blocked: "0000000000000801"), Self.status(blocked: "0000000000000803")], 0x801
      ),
      // One thread leaves it to the default action: that thread could take it.
      (
        Self.status(blocked: "0000000000000800"),
        [Self.status(blocked: "0000000000000800"), Self.status(blocked: none)], 0
      ),
      (Self.status(blocked: none, caught: "0000000000000800"), [Self.status(blocked: none)], 0x800),
      (Self.status(blocked: none, ignored: "xyz"), [], nil),
      (Self.status(blocked: none), [Self.status(blocked: "xyz")], nil),
      ("Name:\tsplicer\nSigBlk:\t0\n", [], nil),
    ]
    for (main, others, handled) in cases {
      XCTAssertEqual(
        ProcessDescription.handledSignals(mainThread: main, otherThreads: others), handled, "\(main) \(others)")
    }
  }

  func testHandlesLooksAtTheSignalsBit() throws {
    let description = ProcessDescription(
      command: "splicer", executable: nil, status: try XCTUnwrap(ProcessStatus(parsing: ProcessStatusTests.sample)),
      handledSignals: 1 << (UInt64(SIGUSR2) - 1))
    XCTAssertTrue(description.handles(SIGUSR2))
    XCTAssertFalse(description.handles(SIGUSR1))
    XCTAssertFalse(description.handles(0))
    XCTAssertFalse(description.handles(65))
  }

  func testReadsThisProcess() throws {
    let description = try ProcessDescription.read(pid: getpid())
    let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8)
    XCTAssertEqual(description.command + "\n", comm)
    XCTAssertEqual(
      description.executable, URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
    XCTAssertEqual(description.status.uids[0], getuid())
  }

  func testSeesASignalCaughtOrIgnored() throws {
    // A disposition is the whole process's, so it shows whichever thread runs the test.
    let signal = SIGUSR1
    let previous = Glibc.signal(signal, SIG_IGN)
    defer { Glibc.signal(signal, previous) }
    XCTAssertTrue(try ProcessDescription.read(pid: getpid()).handles(signal))
  }

  func testAMissingProcessIsENOENT() {
    XCTAssertThrowsError(try ProcessDescription.read(pid: Int32.max)) { error in
      XCTAssertEqual((error as? SyscallError)?.errno, ENOENT)
    }
  }
}
