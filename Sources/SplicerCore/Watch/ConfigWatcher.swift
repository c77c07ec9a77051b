import Glibc
import Logging
import SplicerSystem

/// Turns changes of the config file into SIGHUP (`splicer run --watch-config`), so that the
/// reload is exactly the signal's: the supervisor on the main thread takes it with `sigwait`
/// and runs the same all-or-nothing `ProxyServer.reload`, logging and counting included.
///
/// Watches the DIRECTORY of the config path (and of the file it resolves to, when that is
/// elsewhere) rather than the file: a rename onto the path, an in-place write and a ConfigMap's
/// `..data` symlink swap all show there, whereas a watch on the file would stay on the old
/// inode. Any event arms `ConfigWatchDebounce`; when the burst settles, the file is compared
/// with the last `ConfigFileSnapshot`, and only a difference sends SIGHUP.
///
/// Created by `RunCommand` on the main thread after the privilege drop (so the watch is
/// checked against the user the process runs as); its thread, `splicer-watch`, then owns the
/// inotify descriptor, the debounce and the last snapshot. The thread lives as long as the
/// process.
public final class ConfigWatcher: @unchecked Sendable {
  /// Quiet time after the last event before the file is compared.
  public static let quietPeriod = Duration.milliseconds(300)
  /// Longest wait after the first event of a burst that never goes quiet.
  public static let maximumDelay = Duration.seconds(5)

  private let path: String
  private let inotify: Inotify
  private let logger: Logger
  private var debounce: ConfigWatchDebounce
  private var last: ConfigFileSnapshot
  private var watchedDirectories: Set<String> = []

  /// Watches the directory of `path`; `loaded` is the snapshot taken before the running config
  /// was read (a change in between then still reloads). Throws when the directory cannot be
  /// watched (not readable by the user the process runs as, not a directory).
  public init(path: String, loaded: ConfigFileSnapshot, logger: Logger) throws(SyscallError) {
    self.path = path
    self.logger = logger
    inotify = try Inotify()
    debounce = ConfigWatchDebounce(
      quietPeriod: Self.quietPeriod.nanoseconds, maximumDelay: Self.maximumDelay.nanoseconds)
    last = loaded
    let directory = Self.directory(of: path)
    try inotify.watch(directory: directory, for: Self.events)
    watchedDirectories.insert(directory)
    watchResolvedDirectory(of: loaded)
  }

  private static let events: Inotify.Events = [.modify, .closeWrite, .movedTo, .create, .delete]

  /// Starts `splicer-watch`.
  public func start() throws(SyscallError) {
    _ = try Threads.start(name: "splicer-watch") { self.run() }
  }

  private func run() {
    while true {
      let timeout: Int32
      switch debounce.next(at: MonotonicClock.now()) {
      case .idle: timeout = -1
      case .wait(let nanoseconds): timeout = Int32(clamping: (nanoseconds + 999_999) / 1_000_000)
      case .check:
        check()
        continue
      }
      if inotify.waitForEvent(milliseconds: timeout) {
        inotify.discardPendingEvents()
        debounce.eventArrived(at: MonotonicClock.now())
      }
    }
  }

  private func check() {
    let now = ConfigFileSnapshot.take(path: path)
    guard now != last else {
      logger.debug("config directory changed, config file did not", metadata: ["config": "\(path)"])
      return
    }
    last = now
    watchResolvedDirectory(of: now)
    logger.info("config file changed", metadata: ["config": "\(path)"])
    // Process-directed: every thread blocks SIGHUP, so the main thread's sigwait takes it.
    kill(getpid(), SIGHUP)
  }

  /// A config that is a symlink to another directory changes in place there.
  private func watchResolvedDirectory(of snapshot: ConfigFileSnapshot) {
    guard let resolved = snapshot.resolvedPath else { return }
    let directory = Self.directory(of: resolved)
    guard !watchedDirectories.contains(directory) else { return }
    do {
      try inotify.watch(directory: directory, for: Self.events)
      watchedDirectories.insert(directory)
    } catch {
      logger.warning(
        "cannot watch the config file's target directory", metadata: ["directory": "\(directory)", "error": "\(error)"])
    }
  }

  /// The directory part of `path` ("." for a bare file name).
  private static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
  }
}
