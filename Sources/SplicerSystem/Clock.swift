import Glibc

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC), the only clock the data path uses.
public enum MonotonicClock {
  @inline(__always)
  public static func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }
}

extension Duration {
  /// The duration in whole nanoseconds, saturating at zero and at `UInt64.max`.
  public var nanoseconds: UInt64 {
    let (seconds, attoseconds) = components
    if seconds < 0 { return 0 }
    let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    if overflow { return .max }
    return whole &+ UInt64(attoseconds / 1_000_000_000)
  }
}
