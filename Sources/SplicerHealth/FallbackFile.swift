import Glibc
import SplicerSystem

/// A pool's `when_all_down: { respond_file: … }` payload, open for sendfile(2).
///
/// Opened once per config (start or reload) and shared read-only by every worker: sendfile
/// with an explicit offset never moves the file position, so concurrent sends do not clash.
/// Closed when the last session using it lets go.
public final class FallbackFile: Sendable {
  public let path: String
  public let fd: Int32
  public let size: Int

  public init(path: String) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SyscallError(call: "open(\(path))", errno: errno) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let code = errno
      close(fd)
      throw SyscallError(call: "fstat(\(path))", errno: code)
    }
    self.path = path
    self.fd = fd
    self.size = Int(info.st_size)
  }

  /// Takes over `fd`, an open file received from the old process in a live upgrade, so that
  /// an answer in progress continues from the same file even if `path` now holds another.
  public init(adopting fd: Int32, path: String) throws {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw SyscallError(call: "fstat(\(path))", errno: errno) }
    self.path = path
    self.fd = fd
    self.size = Int(info.st_size)
  }

  deinit { close(fd) }
}
