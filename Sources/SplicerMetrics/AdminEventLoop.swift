import NIOPosix

/// The admin endpoint's SwiftNIO thread, made apart from the `AdminServer` that serves on it:
/// a live upgrade's new process makes it before its commit (where a failure still rolls the
/// upgrade back) and serves the adopted admin socket on it after. Owned by the `AdminServer`
/// given it, which shuts it down when it stops, or by its maker until then.
public final class AdminEventLoop: Sendable {
  let group: MultiThreadedEventLoopGroup

  /// Starts the thread (SwiftNIO traps if it cannot).
  public init() {
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  }

  /// Stops the thread; for a loop no server was given.
  public func shutdown() {
    try? group.syncShutdownGracefully()
  }
}
