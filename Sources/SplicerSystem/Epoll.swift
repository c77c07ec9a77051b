import CSplicer
import Glibc

/// Readiness bits of an epoll registration or event.
public struct EpollEvents: OptionSet, Sendable, Hashable {
  public let rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  public static let readable = EpollEvents(rawValue: splicer_EPOLLIN)
  public static let writable = EpollEvents(rawValue: splicer_EPOLLOUT)
  public static let error = EpollEvents(rawValue: splicer_EPOLLERR)
  public static let hangup = EpollEvents(rawValue: splicer_EPOLLHUP)
  /// The peer shut down its write side (EPOLLRDHUP).
  public static let readHangup = EpollEvents(rawValue: splicer_EPOLLRDHUP)
  /// TCP urgent data (MSG_OOB) has arrived (EPOLLPRI): splice stops at its mark.
  public static let urgent = EpollEvents(rawValue: splicer_EPOLLPRI)
  /// Edge-triggered: the owner must track readiness and consume until EAGAIN.
  public static let edgeTriggered = EpollEvents(rawValue: splicer_EPOLLET)
  /// Wake only one of the epoll instances watching a shared descriptor (a listening socket
  /// all workers share). Only valid when adding, never when modifying.
  public static let exclusive = EpollEvents(rawValue: splicer_EPOLLEXCLUSIVE)
}

/// One epoll instance. Owned by exactly one event loop thread, which closes it.
public struct Epoll: ~Copyable {
  public let fd: Int32

  public init() throws(SyscallError) {
    fd = try retryingInterrupts("epoll_create1") { splicer_epoll_create() }
  }

  deinit { Glibc.close(fd) }

  public func add(_ target: Int32, events: EpollEvents, token: UInt64) throws(SyscallError) {
    _ = try retryingInterrupts("epoll_ctl(ADD)") {
      splicer_epoll_ctl(fd, splicer_EPOLL_CTL_ADD, target, events.rawValue, token)
    }
  }

  public func modify(_ target: Int32, events: EpollEvents, token: UInt64) throws(SyscallError) {
    _ = try retryingInterrupts("epoll_ctl(MOD)") {
      splicer_epoll_ctl(fd, splicer_EPOLL_CTL_MOD, target, events.rawValue, token)
    }
  }

  /// Removes a registration; closing a descriptor removes it too, so errors are ignored.
  public func remove(_ target: Int32) {
    _ = splicer_epoll_ctl(fd, splicer_EPOLL_CTL_DEL, target, 0, 0)
  }

  /// Waits up to `timeoutMilliseconds` (-1: forever) and fills `events`; returns the count.
  public func wait(into events: UnsafeMutableBufferPointer<splicer_epoll_event>, timeoutMilliseconds: Int32)
    throws(SyscallError) -> Int
  {
    let count = splicer_epoll_wait(fd, events.baseAddress, Int32(events.count), timeoutMilliseconds)
    if count >= 0 { return Int(count) }
    let code = Glibc.errno
    if code == EINTR { return 0 }
    throw SyscallError(call: "epoll_wait", errno: code)
  }
}
