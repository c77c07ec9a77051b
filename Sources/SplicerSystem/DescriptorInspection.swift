import CSplicer
import Glibc

/// Read-only looks at a descriptor received from another process, for the live upgrade's
/// validation (docs/design/live-upgrade.md, §5.1): none of these changes the kernel state of
/// the socket, pipe or file behind it, so they may run before the adopting process owns it.
public enum DescriptorInspection {
  /// What `fstat` says a descriptor is.
  public enum Kind: Equatable, Sendable {
    case socket
    case fifo
    case regularFile
    case other
  }

  /// The file type of `fd`; throws when `fstat` fails (a closed descriptor, EBADF).
  public static func kind(_ fd: Int32) throws(SyscallError) -> Kind {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw SyscallError(call: "fstat", errno: Glibc.errno) }
    switch info.st_mode & S_IFMT {
    case S_IFSOCK: return .socket
    case S_IFIFO: return .fifo
    case S_IFREG: return .regularFile
    default: return .other
    }
  }

  /// The size of a regular file, from `fstat`.
  public static func fileSize(_ fd: Int32) throws(SyscallError) -> Int {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw SyscallError(call: "fstat", errno: Glibc.errno) }
    return Int(info.st_size)
  }

  /// The connected peer of a socket (`getpeername`).
  public static func peerAddress(_ fd: Int32) throws(SyscallError) -> SocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
    }
    if result != 0 { throw SyscallError(call: "getpeername", errno: Glibc.errno) }
    return SocketAddress(storage: storage, length: length)
  }

  /// Bytes queued in a pipe, seen from its read end (`ioctl(FIONREAD)`).
  public static func queuedBytes(_ fd: Int32) throws(SyscallError) -> Int {
    var count: Int32 = 0
    // FIONREAD is 0x541B on every Linux architecture Splicer builds for.
    guard ioctl(fd, 0x541B, &count) == 0 else { throw SyscallError(call: "ioctl(FIONREAD)", errno: Glibc.errno) }
    return Int(count)
  }

  /// A pipe's capacity (`F_GETPIPE_SZ`), for a pipe made by another process.
  public static func pipeCapacity(_ fd: Int32) throws(SyscallError) -> Int {
    let size = splicer_get_pipe_size(fd)
    guard size >= 0 else { throw SyscallError(call: "fcntl(F_GETPIPE_SZ)", errno: Glibc.errno) }
    return Int(size)
  }
}
