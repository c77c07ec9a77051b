/// When each step of one session happened, in monotonic nanoseconds: what the latency
/// histograms and the access log read when it closes. Unlike a phase's state it outlives the
/// phase that wrote it; the queue deadline is also counted from `queuedAt`, across the
/// session's returns to the queue.
struct SessionTimeline {
  /// When the client was accepted.
  let acceptedAt: UInt64
  /// When the session first joined its pool's queue; nil if it never waited.
  var queuedAt: UInt64?
  /// When the latest connect attempt began (even one that waited for a descriptor); nil
  /// until the first. Until then, a pick that finds no server up is the pool's all-down case.
  var connectStartedAt: UInt64?
  /// When the upstream connection was established; nil until the session relays.
  var connectedAt: UInt64?

  /// The successful connect's latency; 0 if the session never connected.
  var connectNanoseconds: UInt64 {
    guard let connectedAt, let connectStartedAt else { return 0 }
    return connectedAt &- connectStartedAt
  }

  /// Time spent in the queue: until the latest attempt began, or until `now` when no attempt
  /// followed the queue; nil if the session never queued.
  func queuedNanoseconds(now: UInt64) -> UInt64? {
    guard let queuedAt else { return nil }
    let left = if let connectStartedAt, connectStartedAt > queuedAt { connectStartedAt } else { now }
    return left &- queuedAt
  }
}
