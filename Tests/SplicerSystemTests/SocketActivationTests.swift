import Glibc
import SplicerSystem
import XCTest

final class SocketActivationTests: XCTestCase {
  func testParsesTheDescriptorsAnnouncedForThisProcess() throws {
    let cases: [(environment: [String: String], sockets: [ActivatedSocket])] = [
      ([:], []),
      (["LISTEN_FDS": "2"], []),
      // Inherited from the process they were for.
      (["LISTEN_PID": "41", "LISTEN_FDS": "2"], []),
      (["LISTEN_PID": "42"], []),
      (["LISTEN_PID": "42", "LISTEN_FDS": "0"], []),
      (["LISTEN_PID": "42", "LISTEN_FDS": "1"], [ActivatedSocket(name: "unknown", fd: 3)]),
      (
        ["LISTEN_PID": "42", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "web:admin:web"],
        [
          ActivatedSocket(name: "web", fd: 3), ActivatedSocket(name: "admin", fd: 4),
          ActivatedSocket(name: "web", fd: 5),
        ]
      ),
      (
        ["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": ":splicer.socket"],
        [ActivatedSocket(name: "", fd: 3), ActivatedSocket(name: "splicer.socket", fd: 4)]
      ),
    ]
    for (environment, sockets) in cases {
      XCTAssertEqual(try SocketActivation.parse(environment: environment, processID: 42), sockets, "\(environment)")
    }
  }

  func testRejectsValuesItCannotUse() {
    let cases: [(environment: [String: String], variable: String)] = [
      (["LISTEN_PID": "x", "LISTEN_FDS": "1"], "LISTEN_PID"),
      (["LISTEN_PID": "-42", "LISTEN_FDS": "1"], "LISTEN_PID"),
      (["LISTEN_PID": "42", "LISTEN_FDS": "-1"], "LISTEN_FDS"),
      (["LISTEN_PID": "42", "LISTEN_FDS": "two"], "LISTEN_FDS"),
      (["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web"], "LISTEN_FDNAMES"),
      (["LISTEN_PID": "42", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web:admin"], "LISTEN_FDNAMES"),
    ]
    for (environment, variable) in cases {
      XCTAssertThrowsError(try SocketActivation.parse(environment: environment, processID: 42), "\(environment)") {
        XCTAssertEqual(($0 as? SystemdEnvironmentError)?.variable, variable, "\(environment)")
      }
    }
  }

  func testExplainsAMismatchedNameList() {
    let environment = ["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web"]
    XCTAssertThrowsError(try SocketActivation.parse(environment: environment, processID: 42)) {
      XCTAssertEqual("\($0)", "LISTEN_FDNAMES='web': 1 names for LISTEN_FDS=2 descriptors")
    }
  }

  func testTakingUnsetsTheVariablesEvenWhenTheyAreForAnotherProcess() throws {
    let values = ["LISTEN_PID": "\(getpid() + 1)", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web"]
    let sockets = try withEnvironment(values) {
      let sockets = try SocketActivation.takeListeners()
      for name in SocketActivation.variables {
        XCTAssertNil(getenv(name), name)
      }
      return sockets
    }
    XCTAssertEqual(sockets, [])
  }

  func testTakingReportsABadEnvironment() throws {
    try withEnvironment(["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "many", "LISTEN_FDNAMES": nil]) {
      XCTAssertThrowsError(try SocketActivation.takeListeners()) {
        XCTAssertEqual(
          "\($0)", "socket activation: LISTEN_FDS='many': not a descriptor count")
      }
    }
  }

  func testAcceptsAListeningStreamSocketAndMakesItNonblocking() throws {
    let fd = try Socket.listen(on: SocketAddress(ip: "127.0.0.1", port: 0)!, reusePort: false, backlog: 8)
    defer { close(fd) }
    // What systemd passes: a blocking socket.
    XCTAssertEqual(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), 0)
    try SocketActivation.prepareListener(ActivatedSocket(name: "web", fd: fd))
    XCTAssertNotEqual(fcntl(fd, F_GETFL) & O_NONBLOCK, 0)
  }

  func testRejectsWhatIsNotAListeningStreamSocket() throws {
    let stream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    let datagram = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var pipeEnds: [Int32] = [-1, -1]
    XCTAssertEqual(pipe(&pipeEnds), 0)
    defer { for fd in [stream, datagram] + pipeEnds { close(fd) } }
    let closed: Int32 = 1_000_000

    let cases: [(fd: Int32, reason: String, message: String)] = [
      (stream, "notListening", "a stream socket that is not listening; the .socket unit needs Accept=no"),
      (datagram, "notAStreamSocket", "socket type 2 is not SOCK_STREAM; use ListenStream= in the .socket unit"),
      (pipeEnds[0], "notASocket", "not a socket (getsockopt(SO_TYPE): Socket operation on non-socket (ENOTSOCK))"),
      (closed, "notASocket", "not a socket (getsockopt(SO_TYPE): Bad file descriptor (EBADF))"),
    ]
    for (fd, reason, message) in cases {
      XCTAssertThrowsError(try SocketActivation.prepareListener(ActivatedSocket(name: "web", fd: fd)), reason) {
        let error = $0 as? SocketActivationError
        XCTAssertEqual(error.map { "\($0.reason)" }?.hasPrefix(reason), true, "\($0)")
        XCTAssertEqual(error?.description, "socket-activated descriptor \(fd) ('web'): \(message)")
      }
    }
  }
}
