import Glibc

extension StreamConnection {
  /// Fixes the socket's receive buffer at about `bytes` (the kernel doubles it) and so ends
  /// its autotuning: a paused client then holds little, and the reply waits in the relay's
  /// pipe and the server's socket instead of in this one (loopback's tcp_rmem lets a buffer
  /// grow to tens of MiB).
  func limitReceiveBuffer(to bytes: Int32) {
    var size = bytes
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
  }
}
