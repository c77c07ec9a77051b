import Glibc

/// Monotonic seconds for the tests' deadlines (wall-clock time can step).
enum TestClock {
  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}
