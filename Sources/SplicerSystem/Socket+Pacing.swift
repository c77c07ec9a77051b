import Glibc

/// TCP pacing: the kernel's own cap on how fast a socket sends.
extension Socket {
  /// `setPacingRate`'s value for no cap: the kernel's ~0, which it reads as unlimited.
  public static let unlimitedPacingRate = UInt64.max

  /// Caps how fast `fd` sends, in bytes per second (SO_MAX_PACING_RATE); `unlimitedPacingRate`
  /// lifts the cap.
  ///
  /// TCP paces on its own (internal pacing, since Linux 4.13), without the fq qdisc: a
  /// socket whose queue runs ahead of the rate is held back by a timer, and a relay writing
  /// into it then sees EAGAIN, which is the backpressure that slows the other peer. The value
  /// is 64 bits wide (kernels before 5.0 took 32, and truncate). A listening socket passes it
  /// on to the sockets it accepts (the kernel copies the socket when it clones one).
  public static func setPacingRate(_ fd: Int32, bytesPerSecond: UInt64) throws(SyscallError) {
    var value = bytesPerSecond
    let result = setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &value, socklen_t(MemoryLayout<UInt64>.size))
    if result != 0 {
      throw SyscallError(call: "setsockopt(SO_MAX_PACING_RATE)", errno: Glibc.errno)
    }
  }

  /// The socket's pacing cap in bytes per second; `unlimitedPacingRate` when it has none.
  public static func pacingRate(_ fd: Int32) throws(SyscallError) -> UInt64 {
    var value: UInt64 = 0
    var length = socklen_t(MemoryLayout<UInt64>.size)
    if getsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &value, &length) != 0 {
      throw SyscallError(call: "getsockopt(SO_MAX_PACING_RATE)", errno: Glibc.errno)
    }
    return value
  }
}
