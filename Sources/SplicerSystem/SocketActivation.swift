import CSplicer
import Glibc

/// Socket activation (sd_listen_fds(3)) without libsystemd: the service manager binds the
/// sockets and passes them as descriptors 3, 4, ... with LISTEN_PID, LISTEN_FDS and
/// LISTEN_FDNAMES saying how many, for which process, and under which names.
public enum SocketActivation {
  /// The first passed descriptor (SD_LISTEN_FDS_START).
  public static let firstDescriptor: Int32 = 3
  public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]

  /// The descriptors `environment` announces for process `processID`, without touching them.
  ///
  /// Empty when LISTEN_PID is unset or names another process (the variables were inherited),
  /// or LISTEN_FDS is unset or 0; an error when a set value cannot be understood or the names
  /// do not match the count, like sd_listen_fds_with_names(3).
  public static func parse(environment: [String: String], processID: Int32) throws(SystemdEnvironmentError)
    -> [ActivatedSocket]
  {
    guard let pidText = environment["LISTEN_PID"] else { return [] }
    guard let pid = Int32(pidText), pid > 0 else {
      throw SystemdEnvironmentError(variable: "LISTEN_PID", value: pidText, problem: "not a process id")
    }
    if pid != processID { return [] }
    guard let countText = environment["LISTEN_FDS"] else { return [] }
    guard let count = Int32(countText), count >= 0, count <= Int32.max - firstDescriptor else {
      throw SystemdEnvironmentError(variable: "LISTEN_FDS", value: countText, problem: "not a descriptor count")
    }
    let names: [String]
    if let namesText = environment["LISTEN_FDNAMES"] {
      names = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
      if names.count != Int(count) {
        throw SystemdEnvironmentError(
          variable: "LISTEN_FDNAMES", value: namesText,
          problem: "\(names.count) names for LISTEN_FDS=\(count) descriptors")
      }
    } else {
      names = Array(repeating: "unknown", count: Int(count))
    }
    return names.enumerated().map { ActivatedSocket(name: $0.element, fd: firstDescriptor + Int32($0.offset)) }
  }

  /// Takes the listening sockets passed to this process: reads and then unsets the LISTEN_*
  /// variables (so no child inherits them), marks every descriptor close-on-exec and
  /// nonblocking (the event loops accept until EAGAIN), and checks that each one is a listening
  /// stream socket.
  ///
  /// Call it once, on the main thread, at start-up (it edits the environment). An empty result
  /// means the process was not socket-activated and binds its listeners itself.
  public static func takeListeners() throws(SocketActivationError) -> [ActivatedSocket] {
    let environment = ProcessEnvironment.values(of: variables)
    ProcessEnvironment.remove(variables)
    let sockets: [ActivatedSocket]
    do {
      sockets = try parse(environment: environment, processID: getpid())
    } catch {
      throw SocketActivationError(.environment(error))
    }
    // All of them close-on-exec first, so that none leaks even when a later one is rejected.
    for socket in sockets where fcntl(socket.fd, F_SETFD, FD_CLOEXEC) != 0 {
      let error = SyscallError(call: "fcntl(F_SETFD, FD_CLOEXEC)", errno: Glibc.errno)
      throw SocketActivationError(
        error.errno == EBADF ? .notASocket(error) : .syscall(error), name: socket.name, fd: socket.fd)
    }
    for socket in sockets {
      try prepareListener(socket)
    }
    return sockets
  }

  /// Makes `socket.fd` nonblocking and checks that it is a listening stream socket.
  public static func prepareListener(_ socket: ActivatedSocket) throws(SocketActivationError) {
    func failure(_ reason: SocketActivationError.Reason) -> SocketActivationError {
      SocketActivationError(reason, name: socket.name, fd: socket.fd)
    }
    let type: Int32
    do {
      type = try intOption(socket.fd, SO_TYPE, "getsockopt(SO_TYPE)")
    } catch {
      throw failure(error.errno == ENOTSOCK || error.errno == EBADF ? .notASocket(error) : .syscall(error))
    }
    if type != Int32(SOCK_STREAM.rawValue) { throw failure(.notAStreamSocket(type: type)) }
    let listening: Int32
    do {
      listening = try intOption(socket.fd, SO_ACCEPTCONN, "getsockopt(SO_ACCEPTCONN)")
    } catch {
      throw failure(.syscall(error))
    }
    if listening == 0 { throw failure(.notListening) }
    let flags = fcntl(socket.fd, F_GETFL)
    if flags < 0 || fcntl(socket.fd, F_SETFL, flags | splicer_O_NONBLOCK) != 0 {
      throw failure(.syscall(SyscallError(call: "fcntl(F_SETFL, O_NONBLOCK)", errno: Glibc.errno)))
    }
  }

  private static func intOption(_ fd: Int32, _ name: Int32, _ call: String) throws(SyscallError) -> Int32 {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    if getsockopt(fd, SOL_SOCKET, name, &value, &length) != 0 {
      throw SyscallError(call: call, errno: Glibc.errno)
    }
    return value
  }
}
