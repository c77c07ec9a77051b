import CSplicer
import Glibc

extension Socket {
  /// Copies what has arrived on `fd` into `buffer` without consuming it (recv with MSG_PEEK):
  /// the bytes stay queued for whoever reads next, which lets the relay look at a TLS
  /// ClientHello and still splice it to the server untouched.
  ///
  /// Returns `.processed(0)` at end of stream with nothing queued.
  public static func peek(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError) -> IOResult<Int>
  {
    try nonBlocking("recv(MSG_PEEK)") { Glibc.recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_PEEK)) }
  }

  /// Writes `bytes` with MSG_NOSIGNAL (a closed peer is an EPIPE error, not a signal).
  public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SyscallError) -> IOResult<Int> {
    try nonBlocking("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
  }
}

extension Socket {
  /// SO_RCVLOWAT: epoll reports the socket readable only once `bytes` are queued. Used while
  /// peeking at a ClientHello whose length is known, so that a client trickling it in one
  /// byte at a time does not cost a peek and a parse per byte. Best effort: a failure only
  /// means more wake-ups.
  public static func setReceiveLowWatermark(_ fd: Int32, _ bytes: Int) {
    var value = Int32(clamping: bytes)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, socklen_t(MemoryLayout<Int32>.size))
  }
}

extension Socket {
  /// Bytes written to `fd` that TCP has not sent yet (ioctl SIOCOUTQNSD); 0 on a socket that
  /// has none or cannot say (not TCP).
  public static func unsentBytes(_ fd: Int32) -> Int {
    max(0, Int(splicer_unsent_bytes(fd)))
  }

  /// Whether the next byte to read from `fd` is the TCP urgent byte (ioctl SIOCATMARK).
  /// splice(2) never reads past that mark: at it, a socket with more data after it reports
  /// EAGAIN, and one whose FIN has arrived reports end of stream.
  public static func isAtUrgentMark(_ fd: Int32) -> Bool {
    splicer_at_urgent_mark(fd) == 1
  }

  /// Reads past the urgent mark: one recv(2) of at most `buffer.count` bytes, which, on a
  /// socket without SO_OOBINLINE, skips the urgent byte (as any read does) and returns the
  /// ordinary bytes after it. `.processed(0)` means EOF right after the urgent byte.
  public static func readPastUrgentMark(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SyscallError)
    -> IOResult<Int>
  {
    try nonBlocking("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT)) }
  }
}
