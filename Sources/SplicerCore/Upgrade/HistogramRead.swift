import Glibc
import SplicerSystem

/// The old process's latency histograms, read on a thread of their own while the main thread
/// sends the frozen workers' records (`UpgradeCoordinator`): the read renders and parses the
/// exposition under the exporter's lock (about 20 ms in the scale run), and sending the
/// records needs only the main thread, so every session's pause no longer waits for both one
/// after the other. It starts after the freeze, like every snapshot: frozen workers record
/// nothing, so no observation falls between the two processes.
///
/// Owned by the coordinator's `handOver`; `wait` is called once, and the deinit joins a read
/// never waited for (a rollback), so no thread outlives it.
final class HistogramRead {
  /// Hands the donor's read to the thread: the donor is the main thread's, but `histograms()`
  /// only takes the exporter's lock, which is safe from any thread.
  private struct Reader: @unchecked Sendable {
    let read: () -> [HistogramSnapshot]
  }

  private let result = PthreadLocked<[HistogramSnapshot]>([])
  private let reader: Reader
  private var thread: pthread_t?

  /// Starts the read; when no thread can be made, `wait` reads on the caller's thread.
  init(_ read: @escaping () -> [HistogramSnapshot]) {
    let reader = Reader(read: read)
    self.reader = reader
    thread = try? Threads.start(name: "splicer-histo") { [result] in
      let snapshots = reader.read()
      result.withLock { $0 = snapshots }
    }
  }

  deinit {
    if let thread { Threads.join(thread) }
  }

  /// The histograms, once the read has ended.
  func wait() -> [HistogramSnapshot] {
    guard let thread else { return reader.read() }
    Threads.join(thread)
    self.thread = nil
    return result.withLock { $0 }
  }
}
