import CSplicer
import Glibc

/// A kernel pipe used as the splice buffer between two sockets.
///
/// A value type over two descriptors: whoever holds it (a `PipePool` or the relay direction
/// that leased it) owns them and must give it back or `close()` it.
public struct Pipe: Sendable {
  public let readEnd: Int32
  public let writeEnd: Int32
  /// The capacity the kernel actually granted, in bytes.
  public let capacity: Int

  /// Creates a nonblocking pipe and asks for `requestedCapacity` bytes.
  ///
  /// When the kernel refuses (the per-user pipe quota, EPERM; above fs.pipe-max-size) the pipe
  /// keeps the size the kernel gives, read back with F_GETPIPE_SZ, rather than failing.
  public static func make(requestedCapacity: Int) throws(SyscallError) -> Pipe {
    var fds: (Int32, Int32) = (-1, -1)
    _ = try withUnsafeMutablePointer(to: &fds) { pointer throws(SyscallError) in
      try pointer.withMemoryRebound(to: Int32.self, capacity: 2) { fdPointer throws(SyscallError) in
        try retryingInterrupts("pipe2") { splicer_pipe2(fdPointer, splicer_O_NONBLOCK | splicer_O_CLOEXEC) }
      }
    }
    var granted = Int(splicer_set_pipe_size(fds.1, Int32(clamping: requestedCapacity)))
    if granted < 0 {
      granted = Int(splicer_get_pipe_size(fds.1))
      if granted < 0 { granted = 4096 }
    }
    return Pipe(readEnd: fds.0, writeEnd: fds.1, capacity: granted)
  }

  public init(readEnd: Int32, writeEnd: Int32, capacity: Int) {
    self.readEnd = readEnd
    self.writeEnd = writeEnd
    self.capacity = capacity
  }

  public func close() {
    Glibc.close(readEnd)
    Glibc.close(writeEnd)
  }
}
