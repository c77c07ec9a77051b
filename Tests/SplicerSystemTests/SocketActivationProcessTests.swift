import Foundation
import Glibc
import SplicerSystem
import XCTest

/// Socket activation end to end: `systemd-socket-activate` binds two unix stream sockets, waits
/// for a connection, then execs this test bundle as the service, which takes the sockets with
/// `SocketActivation.takeListeners` and accepts the connection that woke it.
final class SocketActivationProcessTests: XCTestCase {
  static let role = "socket-activation"
  static let reply = "accepted by web"

  func testTakesTheSocketsThatSystemdSocketActivatePasses() throws {
    let candidates = ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"]
    guard let tool = candidates.first(where: { access($0, X_OK) == 0 }) else {
      throw XCTSkip("systemd-socket-activate not found (Debian package systemd)")
    }
    var template = Array("/tmp/splicer-activate-XXXXXX".utf8CString)
    let directory = String(cString: try XCTUnwrap(mkdtemp(&template)))
    let web = directory + "/web.sock"
    let admin = directory + "/admin.sock"
    defer {
      unlink(web)
      unlink(admin)
      rmdir(directory)
    }
    let child = try ChildTestProcess(
      role: Self.role, test: "SocketActivationProcessTests/testChildTakesItsListeners",
      launcher: [
        // It passes the service only TERM, PATH, USER, HOME, the LISTEN_* variables and -E ones.
        tool, "--listen=\(web)", "--listen=\(admin)", "--fdname=web:admin",
        "--setenv=\(ChildTestProcess.roleVariable)=\(Self.role)",
      ])
    var waiting: Set<String> = ["Listening on \(web) as 3.", "Listening on \(admin) as 4."]
    while !waiting.isEmpty {
      guard let line = child.waitForLine(containing: "Listening on") else {
        XCTFail("systemd-socket-activate ended before listening:\n\(child.transcript)")
        return
      }
      waiting.remove(line.trimmingCharacters(in: .whitespaces))
    }

    // The first connection makes systemd-socket-activate exec the service.
    let client = try connectUnix(path: web)
    defer { close(client) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while true {
      let count = read(client, &buffer, buffer.count)
      if count <= 0 { break }
      received += buffer[0..<count]
    }
    let status = child.finish()
    XCTAssertEqual(String(decoding: received, as: UTF8.self), Self.reply, child.transcript)
    XCTAssertEqual(status, 0, child.transcript)
    XCTAssertTrue(child.ranOneTestWithoutFailure, child.transcript)
  }

  /// The service side; skipped unless started by the test above.
  func testChildTakesItsListeners() throws {
    try ChildTestProcess.skipUnlessRole(Self.role)
    let pid = getpid()
    XCTAssertEqual(getenv("LISTEN_PID").map { String(cString: $0) }, "\(pid)")

    let sockets = try SocketActivation.takeListeners()
    XCTAssertEqual(sockets, [ActivatedSocket(name: "web", fd: 3), ActivatedSocket(name: "admin", fd: 4)])
    for name in SocketActivation.variables {
      XCTAssertNil(getenv(name), "\(name) is still set")
    }
    for socket in sockets {
      XCTAssertNotEqual(fcntl(socket.fd, F_GETFD) & FD_CLOEXEC, 0, "\(socket.name) is not close-on-exec")
      XCTAssertNotEqual(fcntl(socket.fd, F_GETFL) & O_NONBLOCK, 0, "\(socket.name) is blocking")
    }
    // Taking twice finds nothing: the variables are gone.
    XCTAssertEqual(try SocketActivation.takeListeners(), [])

    guard case .processed(let connection) = try Socket.accept(sockets[0].fd) else {
      XCTFail("the connection that started the service is not waiting on 'web'")
      return
    }
    let reply = Array(Self.reply.utf8)
    XCTAssertEqual(write(connection.fd, reply, reply.count), reply.count)
    close(connection.fd)
    guard case .wouldBlock = try Socket.accept(sockets[1].fd) else {
      XCTFail("'admin' had a connection nobody made")
      return
    }
  }

  private func connectUnix(path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    if fd < 0 { throw SyscallError(call: "socket", errno: errno) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    let length = socklen_t(MemoryLayout<sockaddr_un>.size)
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
    }
    if result != 0 {
      let code = errno
      close(fd)
      throw SyscallError(call: "connect(\(path))", errno: code)
    }
    return fd
  }
}
