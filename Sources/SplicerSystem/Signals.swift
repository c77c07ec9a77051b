import Glibc

/// Process-wide signal set-up, done on the main thread before any other thread starts.
public enum Signals {
  /// A relay writes to sockets whose peers may be gone: EPIPE must be an error, not a kill.
  public static func ignoreBrokenPipe() {
    signal(SIGPIPE, SIG_IGN)
  }

  /// Blocks `signals` in the calling thread (and in threads it starts later), so that they
  /// are delivered only through `wait`.
  public static func block(_ signals: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
  }

  /// Waits for one of `signals` (which must be blocked) and returns it.
  public static func wait(for signals: [Int32]) -> Int32 {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    var received: Int32 = 0
    while sigwait(&set, &received) != 0 {}
    return received
  }

  /// Waits up to `milliseconds` for one of `signals` (which must be blocked); nil on timeout.
  public static func wait(for signals: [Int32], milliseconds: Int) -> Int32? {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    while true {
      let received = sigtimedwait(&set, nil, &timeout)
      if received >= 0 { return received }
      if errno != EINTR { return nil }
    }
  }
}
