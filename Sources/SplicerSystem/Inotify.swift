import Glibc

/// An inotify instance (non-blocking, close-on-exec) that watches directories.
///
/// Owned by one thread at a time (the config watcher's), which is the only one that reads it;
/// the descriptor is closed when the instance goes away.
public final class Inotify: @unchecked Sendable {
  /// The inotify event bits a watch asks for.
  public struct Events: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let modify = Events(rawValue: UInt32(IN_MODIFY))
    public static let closeWrite = Events(rawValue: UInt32(IN_CLOSE_WRITE))
    public static let movedTo = Events(rawValue: UInt32(IN_MOVED_TO))
    public static let create = Events(rawValue: UInt32(IN_CREATE))
    public static let delete = Events(rawValue: UInt32(IN_DELETE))
  }

  public let fd: Int32

  public init() throws(SyscallError) {
    fd = try retryingInterrupts("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) }
  }

  /// Watches `directory` (adding to the events of an existing watch on it); the kernel checks
  /// read permission here, once, with the caller's credentials.
  public func watch(directory: String, for events: Events) throws(SyscallError) {
    _ = try retryingInterrupts("inotify_add_watch") {
      inotify_add_watch(fd, directory, events.rawValue | UInt32(IN_ONLYDIR))
    }
  }

  /// Waits up to `milliseconds` (-1: without limit) for an event; true when one is pending.
  public func waitForEvent(milliseconds: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    while true {
      let ready = poll(&entry, 1, milliseconds)
      if ready >= 0 { return ready > 0 }
      if errno != EINTR { return false }
    }
  }

  /// Reads and discards every pending event: the watcher needs to know that something
  /// happened in the directory, not what (it compares the file itself afterwards).
  public func discardPendingEvents() {
    // Large enough for many events with names up to NAME_MAX.
    var buffer = [UInt8](repeating: 0, count: 16 << 10)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count > 0 { continue }
      if count < 0 && errno == EINTR { continue }
      return
    }
  }

  deinit { close(fd) }
}
