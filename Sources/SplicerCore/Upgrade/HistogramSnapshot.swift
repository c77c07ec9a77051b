/// One latency histogram series of the old process (`splicer_connect_duration_seconds` for one
/// server, say), as it travels in `Histograms` (wire version 2, design §12): its upper bounds
/// with their cumulative counts, its count and its sum, as its last scrape would have shown
/// them. The new process adds it as a base to the series of the same name and labels, so that
/// the histogram goes on from the old one's counts instead of starting at zero.
///
/// Made and read by the executable's exporter (`SplicerMetrics.CarriedHistograms`): this side
/// only carries it. A decoded one is consistent: bounds finite and ascending, counts that
/// never go down and stay within `count`, a finite sum.
public struct HistogramSnapshot: Hashable, Sendable {
  /// More labels than a Splicer histogram has (two), with room.
  public static let maximumLabels = 16
  /// More buckets than a Splicer histogram has (fifteen), with room.
  public static let maximumBuckets = 64

  /// A label other than `le`, in the order the exposition writes them.
  public struct Label: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }

  /// One `le` bucket but `+Inf` (which is `count`).
  public struct Bucket: Hashable, Sendable {
    /// In the histogram's unit (seconds).
    public var upperBound: Double
    /// Observations at or below `upperBound`.
    public var count: UInt64

    public init(upperBound: Double, count: UInt64) {
      self.upperBound = upperBound
      self.count = count
    }
  }

  /// The metric name, without `_bucket`, `_sum` or `_count`.
  public var name: String
  public var labels: [Label]
  /// Ascending by bound.
  public var buckets: [Bucket]
  /// Every observation (the `+Inf` bucket).
  public var count: UInt64
  public var sum: Double

  public init(name: String, labels: [Label], buckets: [Bucket], count: UInt64, sum: Double) {
    self.name = name
    self.labels = labels
    self.buckets = buckets
    self.count = count
    self.sum = sum
  }

  /// Why this series is not one a histogram can have shown; nil when it is.
  public var inconsistency: String? {
    if name.isEmpty { return "a histogram without a name" }
    if ([name] + labels.flatMap { [$0.name, $0.value] }).contains(where: { $0.utf8.count > Int(UInt16.max) }) {
      return "\(name): a name or label longer than a wire string"
    }
    if labels.count > Self.maximumLabels { return "\(name): \(labels.count) labels" }
    if buckets.count > Self.maximumBuckets { return "\(name): \(buckets.count) buckets" }
    let names = labels.map(\.name)
    if names.contains(where: { $0.isEmpty || $0 == "le" }) || Set(names).count != names.count {
      return "\(name): labels \(names)"
    }
    guard sum.isFinite else { return "\(name): sum \(sum)" }
    var previous: Bucket?
    for bucket in buckets {
      guard bucket.upperBound.isFinite, bucket.count <= count else {
        return "\(name): bucket \(bucket.upperBound) of \(bucket.count) with count \(count)"
      }
      if let previous, previous.upperBound >= bucket.upperBound || previous.count > bucket.count {
        return
          "\(name): bucket \(bucket.upperBound) of \(bucket.count) after \(previous.upperBound) of \(previous.count)"
      }
      previous = bucket
    }
    return nil
  }

  /// The observations at or below `bound`: the count of this series' highest bucket not above
  /// it, 0 below the first. Exact for a bound this series has; for another (a binary whose
  /// buckets differ) a count that is never too high, so that cumulative counts stay so.
  public func count(atOrBelow bound: Double) -> UInt64 {
    if bound == .infinity { return count }
    return buckets.last { $0.upperBound <= bound }?.count ?? 0
  }
}
