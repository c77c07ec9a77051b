/// `HistogramSnapshot` on the wire (version 2, design §12): the name, the labels as name and
/// value strings, the buckets as upper bound (a `Double`'s bits) and cumulative count, then
/// the count and the sum (a `Double`'s bits).
extension UpgradeWireWriter {
  public mutating func write(_ histogram: HistogramSnapshot) {
    write(histogram.name)
    writeCount(histogram.labels.count)
    for label in histogram.labels {
      write(label.name)
      write(label.value)
    }
    writeCount(histogram.buckets.count)
    for bucket in histogram.buckets {
      write(bucket.upperBound.bitPattern)
      write(bucket.count)
    }
    write(histogram.count)
    write(histogram.sum.bitPattern)
  }
}

extension UpgradeWireReader {
  /// One series, checked as `HistogramSnapshot.inconsistency` checks it.
  public mutating func histogramSnapshot() throws(UpgradeWireError) -> HistogramSnapshot {
    let name = try string("histogram name")
    var labels: [HistogramSnapshot.Label] = []
    for _ in 0..<(try count("histogram labels", limit: HistogramSnapshot.maximumLabels)) {
      labels.append(HistogramSnapshot.Label(try string("label name"), try string("label value")))
    }
    var buckets: [HistogramSnapshot.Bucket] = []
    for _ in 0..<(try count("histogram buckets", limit: HistogramSnapshot.maximumBuckets)) {
      buckets.append(
        HistogramSnapshot.Bucket(
          upperBound: Double(bitPattern: try u64("bucket bound")), count: try u64("bucket count"))
      )
    }
    let histogram = HistogramSnapshot(
      name: name, labels: labels, buckets: buckets, count: try u64("histogram count"),
      sum: Double(bitPattern: try u64("histogram sum")))
    if let inconsistency = histogram.inconsistency { throw .inconsistent(inconsistency) }
    return histogram
  }
}

extension HistogramSnapshot {
  /// `series` in batches that each fit one `Histograms` message, in order. A series that is
  /// not consistent, or too large for a message on its own, is left out: it restarts at zero
  /// in the new process, as every histogram did before wire version 2.
  public static func batches(_ series: [HistogramSnapshot], dataLimit: Int = UpgradeWire.batchDataLimit)
    -> [[HistogramSnapshot]]
  {
    var batches: [[HistogramSnapshot]] = []
    var batch: [HistogramSnapshot] = []
    var size = 0
    for histogram in series where histogram.inconsistency == nil {
      // Counted, not encoded: the link encodes each series once, when its batch is sent.
      let length = histogram.encodedLength
      guard length <= dataLimit else { continue }
      if size + length > dataLimit {
        batches.append(batch)
        batch = []
        size = 0
      }
      batch.append(histogram)
      size += length
    }
    if !batch.isEmpty { batches.append(batch) }
    return batches
  }
}

extension HistogramSnapshot {
  /// What `UpgradeWireWriter.write(_:)` appends for this series, counted without writing: the
  /// name, the label count and each label's two strings, the bucket count and 16 bytes a
  /// bucket, the count and the sum.
  public var encodedLength: Int {
    let labelBytes = labels.reduce(0) { $0 + 2 + $1.name.utf8.count + 2 + $1.value.utf8.count }
    return 2 + name.utf8.count + 2 + labelBytes + 2 + 16 * buckets.count + 8 + 8
  }
}
