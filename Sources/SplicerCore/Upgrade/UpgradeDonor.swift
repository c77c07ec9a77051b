/// The old process's side of a live upgrade, as the handover protocol (`UpgradeCoordinator`)
/// drives it: implemented by `ProxyServer` over its workers, and by a fake in the protocol's
/// tests. Every call comes from the main thread, in the order of design §3.2, except
/// `histograms`: the coordinator calls it on a thread of its own while it sends the records
/// (`HistogramRead`), so it must be safe from any thread.
public protocol UpgradeDonor: AnyObject {
  /// The live config generations, worker count and counter layout (`RunningConfig`), with
  /// the number of descriptors the handover will send.
  func runningConfig() -> RunningConfigRecord
  /// Every listening socket (one per worker per listener) and the admin socket, sent before
  /// the freeze. The descriptors stay the donor's.
  func listenerRecords() -> [DescriptorBatcher.Item<ListenerRecord>]
  /// Freezes every worker at its safe point and returns what each hands over, in worker
  /// order; throws when a worker does not freeze within `timeout` (the donor then resumes
  /// the workers that did before it throws).
  func freeze(timeout: Duration) throws -> [WorkerHandover]
  /// Every counter table summed over the workers, taken after the freeze, in chunks that each
  /// fit a message (`CounterSnapshot.chunks(of:)`).
  func counters() -> [CounterSnapshot]
  /// Every server's health, taken after the freeze.
  func health() -> HealthSnapshot
  /// Every latency histogram series that counted anything, taken after the freeze; sent only
  /// in wire version 2 and later.
  func histograms() -> [HistogramSnapshot]
  /// Rollback: every worker carries on as if nothing happened (design §8.3).
  func resume()
  /// Commit: closes the donor's copies of every session and mirror descriptor with a plain
  /// close (never a shutdown or socket option: the sockets are the new process's now) and
  /// stops the workers; the listener copies are closed by `releaseListeners`.
  func relinquish()
  /// The last step of a commit: closes the listener and admin copies.
  func releaseListeners()
}

extension UpgradeDonor {
  /// No histograms: a donor without an exporter.
  public func histograms() -> [HistogramSnapshot] { [] }
}
