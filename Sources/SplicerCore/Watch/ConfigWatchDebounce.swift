/// When the config watcher looks at the file: once the directory has been quiet for
/// `quietPeriod` after the last event, so that an editor writing in several steps causes one
/// reload, not a storm; but no later than `maximumDelay` after the first event of a burst, so
/// that a directory that never goes quiet (another file written all the time) still reloads.
///
/// Pure: times are nanoseconds on a clock the caller passes in (the watcher's monotonic one,
/// a test's table). Owned by the config watcher's thread.
public struct ConfigWatchDebounce: Equatable, Sendable {
  /// What the watcher does next.
  public enum Action: Equatable, Sendable {
    /// Nothing pending: wait for an event without a timeout.
    case idle
    /// A burst is settling: wait for an event, at most this long.
    case wait(nanoseconds: UInt64)
    /// The burst has settled: compare the file with the last one seen (once).
    case check
  }

  public let quietPeriod: UInt64
  public let maximumDelay: UInt64
  private var firstEvent: UInt64?
  private var lastEvent: UInt64?

  public init(quietPeriod: UInt64, maximumDelay: UInt64) {
    self.quietPeriod = quietPeriod
    self.maximumDelay = max(quietPeriod, maximumDelay)
  }

  /// An event arrived in the watched directory at `now`.
  public mutating func eventArrived(at now: UInt64) {
    if firstEvent == nil { firstEvent = now }
    lastEvent = now
  }

  /// What to do at `now`; `.check` ends the burst, so it is returned once per burst.
  public mutating func next(at now: UInt64) -> Action {
    guard let firstEvent, let lastEvent else { return .idle }
    let due = min(lastEvent &+ quietPeriod, firstEvent &+ maximumDelay)
    if now >= due {
      self.firstEvent = nil
      self.lastEvent = nil
      return .check
    }
    return .wait(nanoseconds: due - now)
  }
}
