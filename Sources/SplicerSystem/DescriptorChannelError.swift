/// Why a `DescriptorChannel` send or receive failed.
///
/// A receive that throws has already closed the descriptors that arrived with the message, so
/// the caller's descriptor count is as before the call.
public struct DescriptorChannelError: Error, CustomStringConvertible, Equatable {
  public enum Reason: Equatable, Sendable {
    /// More than `DescriptorChannel.maximumDescriptors` in one message; refused before the
    /// system call (the kernel would answer EINVAL).
    case tooManyDescriptors(Int)
    /// Empty (it would read as the end of the stream) or larger than the receiver accepts.
    case invalidMessageSize(Int)
    /// The peer closed its end: no more messages will come, and none can be sent (EPIPE).
    case endOfStream
    /// Nothing could be sent or received before the deadline.
    case timedOut
    /// `MSG_CTRUNC`: the kernel dropped descriptors, for want of room in the control buffer
    /// or of free descriptor numbers (`RLIMIT_NOFILE`). `received` arrived and were closed.
    case descriptorsTruncated(received: Int)
    /// `MSG_TRUNC`: the message was longer than `DescriptorChannel.maximumMessageSize`.
    case dataTruncated
    /// A control message other than `SCM_RIGHTS` (e.g. credentials nobody asked for).
    case unexpectedControlMessage
    /// The message's header announces `declared` descriptors (nil: the header is too short
    /// to say) but `received` arrived.
    case descriptorCountMismatch(declared: Int?, received: Int)
    /// sendmsg, recvmsg or poll failed.
    case syscall(SyscallError)
  }

  public var reason: Reason

  public init(_ reason: Reason) {
    self.reason = reason
  }

  /// Whether the peer closed the channel (rather than anything going wrong on the way).
  public var isEndOfStream: Bool { reason == .endOfStream }

  public var description: String {
    switch reason {
    case .tooManyDescriptors(let count):
      return "\(count) descriptors in one message; at most \(DescriptorChannel.maximumDescriptors) fit"
    case .invalidMessageSize(let size):
      return "a message of \(size) bytes; the channel carries 1 to \(DescriptorChannel.maximumMessageSize)"
    case .endOfStream:
      return "the peer closed the channel"
    case .timedOut:
      return "the channel was not ready before the deadline"
    case .descriptorsTruncated(let received):
      return "descriptors were dropped by the kernel (MSG_CTRUNC) after \(received) arrived"
    case .dataTruncated:
      return "a message longer than \(DescriptorChannel.maximumMessageSize) bytes was cut (MSG_TRUNC)"
    case .unexpectedControlMessage:
      return "a control message other than SCM_RIGHTS arrived"
    case .descriptorCountMismatch(let declared, let received):
      let announced = declared.map { "\($0) descriptors" } ?? "no descriptor count (header too short)"
      return "the message announces \(announced) but \(received) arrived"
    case .syscall(let error):
      return "\(error)"
    }
  }
}
