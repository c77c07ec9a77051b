import CSplicer
import Glibc

/// One end of the unix socket that the live upgrade passes messages and descriptors over: an
/// `AF_UNIX` `SOCK_SEQPACKET` socket, so that each message arrives whole, with the
/// descriptors sent beside it (one `SCM_RIGHTS` control message).
///
/// A value type over one descriptor, like `Pipe`: whoever holds it owns the socket and must
/// `close()` it once. The calls never block for longer than their deadline (a monotonic time
/// in nanoseconds, as `MonotonicClock.now()` gives): the socket may be in blocking mode (the
/// new process inherits it as is), so each call uses `MSG_DONTWAIT` and waits with `poll`.
///
/// Received descriptors belong to the caller and are close-on-exec (`MSG_CMSG_CLOEXEC`).
/// On any receive error the channel closes whatever descriptors did arrive, so an error never
/// leaks one.
public struct DescriptorChannel: Sendable {
  /// The most descriptors one message carries (the kernel's `SCM_MAX_FD`).
  public static let maximumDescriptors = Int(SPLICER_MAX_PASSED_FDS)
  /// The largest message `receive` accepts whole; a longer one is an error.
  public static let maximumMessageSize = 65_536

  public let fd: Int32

  /// Takes ownership of `fd`, a connected `SOCK_SEQPACKET` unix socket (for the new process:
  /// the one `UpgradeEnvironment` names).
  public init(fd: Int32) {
    self.fd = fd
  }

  /// A connected pair, both ends close-on-exec. The spawn clears `FD_CLOEXEC` on the child's
  /// end in the child only.
  public static func makePair() throws(SyscallError) -> (DescriptorChannel, DescriptorChannel) {
    var fds: [Int32] = [-1, -1]
    _ = try retryingInterrupts("socketpair(AF_UNIX, SOCK_SEQPACKET)") {
      socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | splicer_SOCK_CLOEXEC, 0, &fds)
    }
    return (DescriptorChannel(fd: fds[0]), DescriptorChannel(fd: fds[1]))
  }

  public func close() {
    Glibc.close(fd)
  }

  /// Sends `data` and `descriptors` as one message, waiting while the socket's buffer is full
  /// until `deadline`.
  ///
  /// The descriptors are duplicated into the message: the caller still owns its copies.
  /// `data` must not be empty: an empty message would read as the end of the stream.
  /// - Throws: `.endOfStream` when the peer has closed its end, `.timedOut` at the deadline.
  public func send(_ data: [UInt8], descriptors: [Int32] = [], deadline: UInt64) throws(DescriptorChannelError) {
    if descriptors.count > Self.maximumDescriptors {
      throw DescriptorChannelError(.tooManyDescriptors(descriptors.count))
    }
    if data.isEmpty || data.count > Self.maximumMessageSize {
      throw DescriptorChannelError(.invalidMessageSize(data.count))
    }
    while true {
      let result = data.withUnsafeBytes { bytes in
        descriptors.withUnsafeBufferPointer { fds in
          splicer_send_fds(
            fd, nil, 0, bytes.baseAddress, bytes.count, fds.baseAddress, Int32(fds.count),
            splicer_MSG_DONTWAIT | splicer_MSG_NOSIGNAL)
        }
      }
      if result >= 0 { return }
      let code = Glibc.errno
      if code == EINTR { continue }
      if code == EPIPE || code == ECONNRESET { throw DescriptorChannelError(.endOfStream) }
      guard code == EAGAIN || code == EWOULDBLOCK else {
        throw DescriptorChannelError(.syscall(SyscallError(call: "sendmsg(SCM_RIGHTS)", errno: code)))
      }
      try wait(for: Int16(POLLOUT), until: deadline)
    }
  }

  /// The next message and its descriptors, waiting for it until `deadline`.
  ///
  /// - Parameters:
  ///   - declaredCount: reads from a message's data how many descriptors its header says it
  ///     carries (nil when the data is too short to say); a different number received is an
  ///     error. Without it, any number is accepted.
  ///   - descriptorCapacity: the room for descriptors in the control buffer; lower it only to
  ///     provoke truncation in tests.
  /// - Throws: `.endOfStream` when the peer has closed its end, `.timedOut` at the deadline,
  ///   `.descriptorsTruncated` (`MSG_CTRUNC`: the kernel dropped descriptors, for want of room
  ///   or of free descriptor numbers), `.dataTruncated`, `.descriptorCountMismatch`.
  public func receive(
    deadline: UInt64, declaredCount: (([UInt8]) -> Int?)? = nil,
    descriptorCapacity: Int = DescriptorChannel.maximumDescriptors
  ) throws(DescriptorChannelError) -> DescriptorMessage {
    precondition((0...Self.maximumDescriptors).contains(descriptorCapacity), "descriptorCapacity out of range")
    var data = [UInt8](repeating: 0, count: Self.maximumMessageSize)
    var fds = [Int32](repeating: -1, count: Self.maximumDescriptors)
    var count: Int32 = 0
    var flags: Int32 = 0
    while true {
      let received = data.withUnsafeMutableBytes { bytes in
        fds.withUnsafeMutableBufferPointer { fdBuffer in
          splicer_recv_fds(
            fd, bytes.baseAddress, bytes.count, fdBuffer.baseAddress, Int32(descriptorCapacity), &count,
            splicer_MSG_DONTWAIT, &flags)
        }
      }
      if received >= 0 {
        let message = DescriptorMessage(data: Array(data[0..<received]), descriptors: Array(fds[0..<Int(count)]))
        try Self.check(message, flags: flags, declaredCount: declaredCount)
        return message
      }
      let code = Glibc.errno
      if code == EINTR { continue }
      guard code == EAGAIN || code == EWOULDBLOCK else {
        throw DescriptorChannelError(.syscall(SyscallError(call: "recvmsg(SCM_RIGHTS)", errno: code)))
      }
      try wait(for: Int16(POLLIN), until: deadline)
    }
  }

  /// Turns what the kernel flagged, and a count other than the header's, into errors; closes
  /// the received descriptors before throwing.
  private static func check(_ message: DescriptorMessage, flags: Int32, declaredCount: (([UInt8]) -> Int?)?)
    throws(DescriptorChannelError)
  {
    let reason: DescriptorChannelError.Reason?
    if flags & splicer_MSG_CTRUNC != 0 {
      reason = .descriptorsTruncated(received: message.descriptors.count)
    } else if flags & splicer_MSG_TRUNC != 0 {
      reason = .dataTruncated
    } else if flags & splicer_RECV_UNEXPECTED_CONTROL != 0 {
      reason = .unexpectedControlMessage
    } else if message.data.isEmpty {
      // SEQPACKET reads 0 both at EOF and for an empty message; `send` never sends one.
      reason = .endOfStream
    } else if let declared = declaredCount.map({ $0(message.data) }), declared != message.descriptors.count {
      reason = .descriptorCountMismatch(declared: declared, received: message.descriptors.count)
    } else {
      reason = nil
    }
    guard let reason else { return }
    message.closeDescriptors()
    throw DescriptorChannelError(reason)
  }
}
