import Glibc

/// A failed system call: which call, and the errno it returned.
///
/// Thrown by the syscall layer for every error except "would block", which is a normal
/// outcome (`IOResult.wouldBlock`) rather than an error.
public struct SyscallError: Error, Equatable, CustomStringConvertible {
  public var call: String
  public var errno: Int32

  public init(call: String, errno: Int32) {
    self.call = call
    self.errno = errno
  }

  /// The errno's symbolic name where we know it (`ECONNREFUSED`), else its number.
  public var errnoName: String { Errno.name(of: errno) }

  public var description: String {
    "\(call): \(Errno.message(of: errno)) (\(errnoName))"
  }
}

/// The outcome of a nonblocking call that may have nothing to do right now.
public enum IOResult<Value> {
  case processed(Value)
  case wouldBlock
}

/// Retries `body` while it fails with EINTR; returns its non-negative result or throws.
@inline(__always)
public func retryingInterrupts<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SyscallError) -> T {
  while true {
    let result = body()
    if result >= 0 { return result }
    let code = Glibc.errno
    if code == EINTR { continue }
    throw SyscallError(call: call, errno: code)
  }
}

/// Like `retryingInterrupts`, but EAGAIN/EWOULDBLOCK become `.wouldBlock`.
@inline(__always)
public func nonBlocking<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SyscallError) -> IOResult<T> {
  while true {
    let result = body()
    if result >= 0 { return .processed(result) }
    let code = Glibc.errno
    if code == EINTR { continue }
    if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
    throw SyscallError(call: call, errno: code)
  }
}
