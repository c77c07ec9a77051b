import Glibc

extension Signals {
  /// The blocked signals waiting for this thread or the process (sigpending(2)), among
  /// `candidates`; nothing is consumed. For a long step on the main thread that must look
  /// for a stop request without taking it (the signal is still there for `wait` afterwards).
  public static func pending(among candidates: [Int32] = [SIGTERM, SIGINT, SIGHUP]) -> [Int32] {
    var set = sigset_t()
    sigemptyset(&set)
    guard sigpending(&set) == 0 else { return [] }
    return candidates.filter { sigismember(&set, $0) == 1 }
  }
}
