import CSplicer
import Glibc

/// The calls that move payload bytes: splice(2), tee(2) and sendfile(2), which keep them in the
/// kernel, and the plain read(2)/write(2) of the copy path, the first-byte peeks and the
/// health probe.
public enum DataTransfer {
  /// The most one splice call asks for. Asking for SIZE_MAX gives EINVAL on newer kernels.
  public static let maximumLength = 1 << 30

  /// Moves up to `length` bytes from `source` to `destination`, one of which must be a pipe.
  ///
  /// SPLICE_F_MOVE | SPLICE_F_NONBLOCK, never SPLICE_F_MORE: MORE corks the socket like
  /// TCP_CORK and delays request/response traffic. `.processed(0)` from a socket means EOF.
  @inline(__always)
  public static func splice(from source: Int32, to destination: Int32, length: Int) throws(SyscallError) -> IOResult<
    Int
  > {
    let length = min(length, maximumLength)
    return try nonBlocking("splice") {
      splicer_splice(source, destination, length, splicer_SPLICE_F_MOVE | splicer_SPLICE_F_NONBLOCK)
    }
  }

  /// tee(2): duplicates up to `length` bytes at the front of the pipe `source` into the pipe
  /// `destination` without consuming them (the pages are shared, not copied). SPLICE_F_NONBLOCK:
  /// `.wouldBlock` when `destination` is full; a partial count when it has room for part.
  @inline(__always)
  public static func tee(from source: Int32, to destination: Int32, length: Int) throws(SyscallError) -> IOResult<Int> {
    let length = min(length, maximumLength)
    return try nonBlocking("tee") { splicer_tee(source, destination, length, splicer_SPLICE_F_NONBLOCK) }
  }

  /// sendfile(2): up to `count` bytes of `file` from `offset` (which it advances) to `socket`,
  /// without them entering user space.
  @inline(__always)
  public static func sendFile(_ file: Int32, to socket: Int32, offset: inout Int, count: Int) throws(SyscallError)
    -> IOResult<Int>
  {
    var position = off_t(offset)
    let result = try nonBlocking("sendfile") { splicer_sendfile(socket, file, &position, count) }
    offset = Int(position)
    return result
  }

  /// read(2) into `buffer`; `.processed(0)` means EOF.
  @inline(__always)
  public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<Int>
  {
    try nonBlocking("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
  }

  /// write(2) from `buffer`.
  @inline(__always)
  public static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
    try nonBlocking("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
  }
}
