import CSplicer
import Glibc

extension SystemdNotify {
  /// The longest name `sockaddr_un` holds: 108 bytes less the path's NUL (or the abstract
  /// name's leading NUL).
  static let maximumNameLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

  static func parseAddress(_ value: String?) throws(SystemdEnvironmentError) -> Address? {
    guard let value, !value.isEmpty else { return nil }
    func invalid(_ problem: String) -> SystemdEnvironmentError {
      SystemdEnvironmentError(variable: "NOTIFY_SOCKET", value: value, problem: problem)
    }
    let address: Address
    if value.hasPrefix("/") {
      address = .path(value)
    } else if value.hasPrefix("@") && value.utf8.count > 1 {
      address = .abstract(String(value.dropFirst()))
    } else {
      throw invalid("not an absolute path or an @abstract socket name (vsock: needs systemd's own client)")
    }
    let length = value.utf8.count - (value.hasPrefix("@") ? 1 : 0)
    if length > maximumNameLength {
      throw invalid("longer than the \(maximumNameLength) bytes a unix socket address holds")
    }
    return address
  }

  static func parseWatchdog(microseconds: String?, pid: String?, processID: Int32) throws(SystemdEnvironmentError)
    -> Duration?
  {
    guard let microseconds else { return nil }
    guard let value = UInt64(microseconds), value > 0, value < UInt64(Int64.max) else {
      throw SystemdEnvironmentError(
        variable: "WATCHDOG_USEC", value: microseconds, problem: "not a positive number of microseconds")
    }
    if let pid {
      guard let owner = Int32(pid), owner > 0 else {
        throw SystemdEnvironmentError(variable: "WATCHDOG_PID", value: pid, problem: "not a process id")
      }
      // Inherited from a parent that the watchdog is really for.
      if owner != processID { return nil }
    }
    return .microseconds(Int64(value))
  }

  /// Sends `message` as one datagram to `address`; `descriptors` (copies) ride along in one
  /// SCM_RIGHTS control message, as sd_pid_notify_with_fds(3) sends them.
  static func sendDatagram(_ message: String, to address: Address, descriptors: [Int32] = []) throws(SyscallError) {
    var socketAddress = sockaddr_un()
    socketAddress.sun_family = sa_family_t(AF_UNIX)
    let name: [UInt8]
    let nameOffset: Int
    switch address {
    case .path(let path):
      name = Array(path.utf8)
      nameOffset = 0
    case .abstract(let abstractName):
      name = Array(abstractName.utf8)
      // The leading NUL that marks an abstract name is already there.
      nameOffset = 1
    }
    precondition(name.count <= maximumNameLength, "parseAddress let through a name too long for sockaddr_un")
    withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
      raw.baseAddress!.advanced(by: nameOffset).copyMemory(from: name, byteCount: name.count)
    }
    let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
    // A path counts its NUL; an abstract name is exactly its bytes after the leading NUL.
    let length = socklen_t(pathOffset + name.count + 1)

    let fd = try retryingInterrupts("socket(AF_UNIX, SOCK_DGRAM)") {
      socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | splicer_SOCK_CLOEXEC, 0)
    }
    defer { Glibc.close(fd) }
    let bytes = Array(message.utf8)
    _ = try withUnsafePointer(to: &socketAddress) { pointer throws(SyscallError) in
      try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target throws(SyscallError) in
        try retryingInterrupts("sendmsg(NOTIFY_SOCKET=\(address))") {
          bytes.withUnsafeBytes { data in
            descriptors.withUnsafeBufferPointer { fds in
              splicer_send_fds(
                fd, target, length, data.baseAddress, data.count, fds.baseAddress, Int32(fds.count),
                splicer_MSG_NOSIGNAL)
            }
          }
        }
      }
    }
  }
}
