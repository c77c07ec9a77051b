/// Why the sockets a service manager passed (LISTEN_FDS) cannot be used as listeners.
public struct SocketActivationError: Error, CustomStringConvertible, Equatable {
  public enum Reason: Equatable, Sendable {
    /// LISTEN_PID, LISTEN_FDS or LISTEN_FDNAMES cannot be understood.
    case environment(SystemdEnvironmentError)
    /// The descriptor is not a socket (ENOTSOCK) or not open (EBADF).
    case notASocket(SyscallError)
    /// A datagram or seqpacket socket: `ListenDatagram=` where `ListenStream=` was meant.
    case notAStreamSocket(type: Int32)
    /// A stream socket that is not listening (SO_ACCEPTCONN is 0), e.g. an `Accept=yes`
    /// connection.
    case notListening
    /// fcntl or getsockopt failed for another reason.
    case syscall(SyscallError)
  }

  public var reason: Reason
  /// The descriptor's name from LISTEN_FDNAMES (`FileDescriptorName=`); nil for environment errors.
  public var name: String?
  public var fd: Int32?

  public init(_ reason: Reason, name: String? = nil, fd: Int32? = nil) {
    self.reason = reason
    self.name = name
    self.fd = fd
  }

  public var description: String {
    let subject = fd.map { "socket-activated descriptor \($0) ('\(name ?? "unknown")')" } ?? "socket activation"
    switch reason {
    case .environment(let error):
      return "\(subject): \(error)"
    case .notASocket(let error):
      return "\(subject): not a socket (\(error))"
    case .notAStreamSocket(let type):
      return "\(subject): socket type \(type) is not SOCK_STREAM; use ListenStream= in the .socket unit"
    case .notListening:
      return "\(subject): a stream socket that is not listening; the .socket unit needs Accept=no"
    case .syscall(let error):
      return "\(subject): \(error)"
    }
  }
}
